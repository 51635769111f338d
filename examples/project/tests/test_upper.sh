check "upper" "HELLO" "$(sh "$here/bin/textkit" upper hello)"
