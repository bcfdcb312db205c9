# Wrong: closes the current word at every B, so a sentence starting with B begins with "".
# Names: empty string
def segment(chars, tags):
    words, current = [], ""
    for char, tag in zip(chars, tags):
        if tag == B:
            words.append(current)
            current = ""
        current += char
    words.append(current)
    return words
