package FixMyStreet::ImageMagick;

# Stand-in: a photo fetched by add_media is kept as it came (the real one re-orients and shrinks it).
use strict;
use warnings;

sub new         { my ($class, %args) = @_; return bless {%args}, $class }
sub auto_orient { $_[0] }
sub shrink      { $_[0] }
sub as_blob     { $_[0]{blob} }

1;
