check "slug" "hello-world" "$(sh "$here/bin/textkit" slug "Hello, World!")"
