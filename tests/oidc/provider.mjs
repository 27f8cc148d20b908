// The OpenID provider the tests start in place of the council's (panva's certified oidc-provider).
//
// node provider.mjs <config.json>: the config gives the issuer URL, port, signing keys (JWKS with private parts,
// first one signs), clients, staff accounts and token lifetimes. It prints "ready" once it listens.
// Staff sign in on the provider's own development login form (any password); the council's first-party apps
// need no consent screen, as with an enterprise tenant's admin consent.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};
const apiAudience = config.audience;
const rolesClaim = config.roles_claim || 'roles';

const provider = new Provider(config.issuer, {
  clients: config.clients,
  clientDefaults: { id_token_signed_response_alg: config.jwks.keys[0].alg || 'ES256' },
  jwks: config.jwks,
  cookies: { keys: ['deal-digital-test-cookie-key'] },
  pkce: { required: () => true },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'api'],
  claims: {
    openid: ['sub'],
    profile: ['name', rolesClaim],
    email: ['email'],
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Every token is for the council's one API audience, as with one Entra app registration for the platform.
      defaultResource: async () => apiAudience,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: 'api',
        audience: apiAudience,
        accessTokenFormat: 'jwt',
        accessTokenTTL: config.access_token_ttl || 3600,
        jwt: { sign: { alg: config.jwks.keys[0].alg || 'ES256' } },
      }),
    },
  },
  ttl: {
    AccessToken: config.access_token_ttl || 3600,
    ClientCredentials: config.client_credentials_ttl || 3600,
    RefreshToken: config.refresh_token_ttl || 86400,
    Session: 86400,
    Grant: 86400,
    Interaction: 600,
    AuthorizationCode: 60,
    IdToken: 3600,
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  async loadExistingGrant(ctx) {
    const existing = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) {
      const grant = await ctx.oidc.provider.Grant.find(existing);
      if (grant) return grant;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid offline_access profile email');
    grant.addResourceScope(apiAudience, 'api');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const account = accounts[id] || { roles: [] };
    return {
      accountId: id,
      async claims() {
        return { sub: id, name: account.name || id, email: account.email, [rolesClaim]: account.roles };
      },
    };
  },
  async extraTokenClaims(ctx, token) {
    if (token.kind === 'ClientCredentials') {
      return { [rolesClaim]: (config.service_roles || {})[token.clientId] || [] };
    }
    if (token.accountId) {
      const account = accounts[token.accountId] || { roles: [] };
      return { [rolesClaim]: account.roles, name: account.name || token.accountId, email: account.email };
    }
    return undefined;
  },
});
provider.proxy = false;

provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
