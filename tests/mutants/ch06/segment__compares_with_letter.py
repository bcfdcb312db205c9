# Wrong: compares the tag with the letter "B" instead of the number B = 0, so no word
# ever starts after character 0.
# Names: one word; not the letter 'B'
def segment(chars, tags):
    words = []
    for i, (char, tag) in enumerate(zip(chars, tags)):
        if i == 0 or tag == "B":
            words.append(char)
        else:
            words[-1] += char
    return words
