# Wrong: imports the course's reference copy instead of writing the function.
from autograder.provided.ch01 import softmax
