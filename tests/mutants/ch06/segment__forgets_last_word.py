# Wrong: collects a word when the next one starts, and never adds the last word.
# Names: last word is missing
def segment(chars, tags):
    words, current = [], ""
    for char, tag in zip(chars, tags):
        if tag == B and current:
            words.append(current)
            current = ""
        current += char
    return words
