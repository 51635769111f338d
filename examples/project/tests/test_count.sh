check "count" "5" "$(sh "$here/bin/textkit" count hello)"
