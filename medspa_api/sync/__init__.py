"""The sync endpoints' logic: push (mutations in), pull (changes out), change notices."""
