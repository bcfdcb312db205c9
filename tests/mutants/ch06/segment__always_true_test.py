# Wrong: the test `tag == B or I` is always true, so every character becomes a word.
# Names: every character is a word of its own
def segment(chars, tags):
    words = []
    for i, (char, tag) in enumerate(zip(chars, tags)):
        if i == 0 or tag == B or I:
            words.append(char)
        else:
            words[-1] += char
    return words
