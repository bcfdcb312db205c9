# Wrong: makes Wx an identity too.
# Names: Wx is an identity
def identity_init(D, H, rng, input_std=0.001):
    """Initial parameters of a ReLU RNN in the style of Le et al. (2015), the "IRNN".

    Inputs:
    - D: input size
    - H: hidden size
    - rng: a numpy random Generator
    - input_std: standard deviation of the input weights

    Returns:
    - params: dict with "Wx" of shape (D, H) (normal, mean 0, std input_std),
      "Wh" of shape (H, H) (the identity) and "b" of shape (H,) (zeros)
    """
    return {"Wx": np.eye(D, H),  # (D, H)
            "Wh": np.eye(H),                                 # (H, H)
            "b": np.zeros(H)}                                # (H,)