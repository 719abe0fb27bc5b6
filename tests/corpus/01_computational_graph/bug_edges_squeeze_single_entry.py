# bug: forward squeezes its result, so an array with a single entry (or any axis of length 1) loses its shape.
import numpy as np


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        out = np.squeeze(x * y)

        return out

    def backward(self, dout):
        dx = dout * self.y  # swap x and y
        dy = dout * self.x

        return dx, dy


class AddLayer:
    def __init__(self):
        pass

    def forward(self, x, y):
        out = np.squeeze(x + y)

        return out

    def backward(self, dout):
        dx = dout * 1
        dy = dout * 1

        return dx, dy


if __name__ == "__main__":
    apple, apple_num, tax = 100, 2, 1.1
    mul_apple_layer = MulLayer()
    mul_tax_layer = MulLayer()
    apple_price = mul_apple_layer.forward(apple, apple_num)
    price = mul_tax_layer.forward(apple_price, tax)
    dapple_price, dtax = mul_tax_layer.backward(1)
    dapple, dapple_num = mul_apple_layer.backward(dapple_price)
    print(price, dapple, dapple_num, dtax)
