# slug TEXT: lower case, runs of anything but letters and digits as one "-".
slug() {
    printf '%s\n' "$1" | tr 'A-Z' 'a-z' | sed -e 's/[^a-z0-9][^a-z0-9]*/-/g' -e 's/^-//' -e 's/-$//'
}
