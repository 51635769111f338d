# upper TEXT: TEXT in capitals (ASCII letters).
upper() {
    printf '%s\n' "$1" | tr 'a-z' 'A-Z'
}
