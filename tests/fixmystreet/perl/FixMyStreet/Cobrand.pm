package FixMyStreet::Cobrand;

# Stand-in cobrand: no hooks, and the site's address for photo links.
use strict;
use warnings;
use FixMyStreet;

sub new      { my ($class, %args) = @_; return bless {%args}, $class }
sub call_hook { return }
sub base_url { return $_[0]{base_url} // 'https://fixmystreet.example' }

1;
