package Utils;

# Stand-in for FixMyStreet's Utils: coordinates as its client sends them, six places without trailing zeros.
use strict;
use warnings;

sub truncate_coordinate {
    my ($value) = @_;
    my $text = sprintf('%.6f', $value);
    $text =~ s/0+\z//;
    $text =~ s/\.\z//;
    return $text;
}

1;
