package FixMyStreet::App::Model::PhotoSet;

# Stand-in: remembers the photos a client fetched, so the driver can say how many and how large.
use strict;
use warnings;

sub new  { my ($class, $args) = @_; return bless { items => $args->{data_items} || [] }, $class }
sub data { return [ map { length $_ } @{ $_[0]{items} } ] }

1;
