# Wrong: imports a reference copy instead of writing the function (the course ships
# none: the learner kit holds no answers, so this fails to import).
from autograder.provided.ch01 import softmax
