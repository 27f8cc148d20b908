// Reading a token's claims (who, which roles, until when) to show and to plan around. Never a check of the
// token: the services verify every token they are sent. Worker-safe.

export function decodeClaims(token) {
  const part = token.split(".")[1];
  if (!part) throw new Error("That is not a sign-in token: it should have three parts separated by dots.");
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(decodeURIComponent(escape(json)));
}

export function describeToken(token) {
  const claims = decodeClaims(token.trim());
  const roles = Array.isArray(claims.roles) ? claims.roles : String(claims.roles || "").split(" ").filter(Boolean);
  return {
    token: token.trim(),
    subject: claims.sub,
    name: claims.name || claims.sub,
    roles,
    department: claims.department || null,
    exp: claims.exp || null,
  };
}
