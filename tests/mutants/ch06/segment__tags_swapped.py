# Wrong: starts a new word at every I.
# Names: new word at every I
def segment(chars, tags):
    words = []
    for i, (char, tag) in enumerate(zip(chars, tags)):
        if i == 0 or tag == I:
            words.append(char)
        else:
            words[-1] += char
    return words
