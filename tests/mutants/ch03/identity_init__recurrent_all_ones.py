# Wrong: fills Wh with ones instead of the identity.
# Names: Wh is all ones
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
    return {"Wx": input_std * rng.standard_normal((D, H)),  # (D, H)
            "Wh": np.ones((H, H)),                                 # (H, H)
            "b": np.zeros(H)}                                # (H,)