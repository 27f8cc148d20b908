#!/usr/bin/perl
# Runs one call of FixMyStreet's own Open311 client (perllib/Open311.pm, found through PERL5LIB) against a
# server, as FixMyStreet's cron scripts make it. One JSON document in on stdin, one out on stdout:
#   in:  {"open311": {<Open311->new arguments>}, "call": "<method>", ...the call's arguments}
#   out: {"result": <what the method returned>, "success": 0|1, "error": "...", "debug_details": "...", ...}
# The stand-ins beside this script take the place of FixMyStreet's database rows and configuration.
use strict;
use warnings;
use FindBin;
use lib $FindBin::Bin;
use JSON::PP;
use DateTime::Format::W3CDTF;
use FixMyStreet::DB;
use Open311;

my $json = JSON::PP->new->utf8->canonical->allow_nonref->allow_blessed->convert_blessed;
my $in = $json->decode(do { local $/; <STDIN> });
my %config = %{ $in->{open311} };
$config{fixmystreet_body} = FixMyStreet::DB::Result::Body->new({});
my $open311 = Open311->new(%config);

my %calls = (
    get_service_list      => sub { $open311->get_service_list },
    get_service_meta_info => sub { $open311->get_service_meta_info($in->{service_code}) },
    send_service_request  => sub {
        my $problem = FixMyStreet::DB::Result::Problem->new($in->{problem});
        return $open311->send_service_request($problem, $in->{extra} || {}, $in->{service_code});
    },
    get_service_requests => sub {
        my $requests = $open311->get_service_requests({ %{ $in->{args} || {} } });
        return [ map { read_back($_) } @{ $requests || [] } ];
    },
    get_service_request_updates => sub {
        my $updates = $open311->get_service_request_updates($in->{start_date}, $in->{end_date});
        return [ map { read_back($_) } @{ $updates || [] } ];
    },
    post_service_request_update => sub {
        my $comment = FixMyStreet::DB::Result::Comment->new($in->{comment});
        return $open311->post_service_request_update($comment);
    },
    add_media => sub {
        my $row = FixMyStreet::DB::Row->new({});
        $open311->add_media($in->{url}, $row);
        return $row->{photo} || [];
    },
    map_state => sub { $open311->map_state($in->{status}) },
);

my $call = $calls{ $in->{call} } or die "no such call: $in->{call}\n";
my $result = $call->();
print $json->encode({
    result        => $result,
    success       => $open311->success ? 1 : 0,
    error         => $open311->error,
    debug_details => $open311->debug_details,
});

# What FixMyStreet's importers (GetServiceRequests, UpdatesBase) read from a request or an update besides its
# fields: the state map_state makes of its status, and its updated_datetime as W3CDTF reads it, in UTC (the
# form they compare with the window asked for); `fms_unreadable` when W3CDTF cannot read it, and they skip it.
sub read_back {
    my ($item) = @_;
    my %read = (%$item, fms_state => $open311->map_state($item->{status} // ''));
    my $when = eval { DateTime::Format::W3CDTF->parse_datetime($item->{updated_datetime} || '') };
    if ($when) {
        $read{fms_updated} = DateTime::Format::W3CDTF->format_datetime($when->set_time_zone('UTC'));
    } else {
        $read{fms_unreadable} = 1;
    }
    return \%read;
}
