package FixMyStreet::DB;

# Stand-ins for the database rows FixMyStreet's Open311 client is handed (a problem, a comment, a body, a
# user), built from plain hashes by the driver, and the problem states of a stock installation.
use strict;
use warnings;
use DateTime::Format::W3CDTF;
use MIME::Base64 qw(decode_base64);
use FixMyStreet::Cobrand;

package FixMyStreet::DB::Row;

# A row's columns are its hash's keys; a column method given a value sets it (add_media sets `photo`).
our $AUTOLOAD;

sub new { my ($class, $fields) = @_; return bless {%$fields}, $class }

sub AUTOLOAD {
    my $self = shift;
    (my $name = $AUTOLOAD) =~ s/.*:://;
    $self->{$name} = shift if @_;
    return $self->{$name};
}

sub DESTROY { }

sub get_extra_metadata {
    my ($self, $key) = @_;
    my $extra = $self->{extra_metadata} || {};
    return defined $key ? $extra->{$key} : $extra;
}

sub get_cobrand_logged { return FixMyStreet::Cobrand->new(base_url => $_[0]{base_url}) }

sub photo { my $self = shift; $self->{photo} = shift if @_; return $self->{photo} // scalar @{ $self->{photos} || [] } }

sub get_photoset {
    my $photos = $_[0]{photos} || [];
    return FixMyStreet::DB::PhotoSet->new({ photos => $photos });
}

package FixMyStreet::DB::PhotoSet;
our @ISA = ('FixMyStreet::DB::Row');

sub all_ids { return map { $_->{id} } @{ $_[0]{photos} } }

sub get_image_data {
    my ($self, %args) = @_;
    my $photo = $self->{photos}[ $args{num} ];
    return { content_type => $photo->{content_type}, data => MIME::Base64::decode_base64($photo->{data_base64}) };
}

package FixMyStreet::DB::Result::User;
our @ISA = ('FixMyStreet::DB::Row');

package FixMyStreet::DB::Result::Body;
our @ISA = ('FixMyStreet::DB::Row');

sub get_cobrand_handler { return }
sub areas { return {} }

package FixMyStreet::DB::Result::Problem;
our @ISA = ('FixMyStreet::DB::Row');

# A stock installation's states: its state table (db/fixture.sql) and the two it always has.
my %type_of = (
    'confirmed'         => 'open',
    'investigating'     => 'open',
    'in progress'       => 'open',
    'planned'           => 'open',
    'action scheduled'  => 'open',
    'closed'            => 'closed',
    'unable to fix'     => 'closed',
    'not responsible'   => 'closed',
    'duplicate'         => 'closed',
    'internal referral' => 'closed',
    'cancelled'         => 'closed',
    'fixed'             => 'fixed',
    'fixed - council'   => 'fixed',
    'fixed - user'      => 'fixed',
);

sub _of_type { my $type = shift; return { map { $_ => 1 } grep { $type_of{$_} eq $type } keys %type_of } }
sub open_states    { _of_type('open') }
sub fixed_states   { _of_type('fixed') }
sub closed_states  { _of_type('closed') }
sub visible_states { return { map { $_ => 1 } keys %type_of } }

sub new {
    my ($class, $fields) = @_;
    my $self = FixMyStreet::DB::Row::new($class, $fields);
    $self->{user} = FixMyStreet::DB::Result::User->new($fields->{user} || {});
    $self->{cobrand} //= 'wigan';    # the client's failure warnings match on it
    return $self;
}

sub get_extra_fields { return $_[0]{extra_fields} || [] }
sub bodies { return {} }

package FixMyStreet::DB::Result::Comment;
our @ISA = ('FixMyStreet::DB::Row');

sub new {
    my ($class, $fields) = @_;
    my $self = FixMyStreet::DB::Row::new($class, $fields);
    $self->{user} = FixMyStreet::DB::Result::User->new($fields->{user} || {});
    $self->{problem} = FixMyStreet::DB::Result::Problem->new($fields->{problem} || {});
    return $self;
}

# A fresh DateTime each time: the client changes it (set_nanosecond).
sub confirmed { return DateTime::Format::W3CDTF->parse_datetime($_[0]{confirmed}) }

1;
