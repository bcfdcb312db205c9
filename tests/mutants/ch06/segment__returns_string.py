# Wrong: returns the words joined with spaces instead of a list.
# Localised: should return a list of strings
def segment(chars, tags):
    out = ""
    for i, (char, tag) in enumerate(zip(chars, tags)):
        out += (" " if i > 0 and tag == B else "") + char
    return out
