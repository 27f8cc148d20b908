package FixMyStreet;

# Stand-in for FixMyStreet's configuration: only the settings its Open311 client reads.
use strict;
use warnings;

my %config = (
    O311_POLLING_INTERVAL  => 0,    # a batch token is resolved at once: the server answers it at once
    O311_POLLING_MAX_TRIES => 3,
    DO_NOT_REPLY_EMAIL     => 'do-not-reply@fixmystreet.example',
);

sub config     { my ($class, $key) = @_; return $config{$key} }
sub test_mode  { 1 }
sub path_to    { '/' }
sub local_time_zone { 'Europe/London' }

1;
