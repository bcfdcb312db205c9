# Wrong: treats input_std as a variance (multiplies by its square root).
# Names: as if input_std were the variance
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
    return {"Wx": np.sqrt(input_std) * rng.standard_normal((D, H)),  # (D, H)
            "Wh": np.eye(H),                                 # (H, H)
            "b": np.zeros(H)}                                # (H,)