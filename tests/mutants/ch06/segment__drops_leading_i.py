# Wrong: characters tagged I before the first B are dropped.
# Localised: do not join back into the input
def segment(chars, tags):
    words = []
    for char, tag in zip(chars, tags):
        if tag == B:
            words.append(char)
        elif words:
            words[-1] += char
    return words
