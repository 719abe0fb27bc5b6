# bug: computes nothing: every method returns zeros shaped like its input.
import numpy as np


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        out = np.zeros_like(x)

        return out

    def backward(self, dout):
        return np.zeros_like(dout), np.zeros_like(dout)


class AddLayer:
    def __init__(self):
        pass

    def forward(self, x, y):
        return np.zeros_like(x)

    def backward(self, dout):
        return np.zeros_like(dout), np.zeros_like(dout)


if __name__ == "__main__":
    apple, apple_num, tax = 100, 2, 1.1
    mul_apple_layer = MulLayer()
    mul_tax_layer = MulLayer()
    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)
    dapple_price, dtax = mul_tax_layer.backward(1)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)
    print(price, dapple, dapple_num, dtax)
