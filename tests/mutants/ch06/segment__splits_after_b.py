# Wrong: ends a word at every B instead of starting one there.
# Names: end a word at every B
def segment(chars, tags):
    words, current = [], ""
    for char, tag in zip(chars, tags):
        current += char
        if tag == B:
            words.append(current)
            current = ""
    if current:
        words.append(current)
    return words
