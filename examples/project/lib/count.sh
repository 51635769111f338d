# count_chars TEXT: how many characters TEXT has.
count_chars() {
    printf '%s' "$1" | wc -c | tr -d ' '
}
