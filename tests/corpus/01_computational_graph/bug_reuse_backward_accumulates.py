# bug: MulLayer.backward accumulates the gradients into self.dx and self.dy across calls (as frameworks do) and returns the sums.
import numpy as np


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None
        self.dx = 0
        self.dy = 0

    def forward(self, x, y):
        self.x = x
        self.y = y
        out = x * y

        return out

    def backward(self, dout):
        self.dx = self.dx + dout * self.y  # gradients accumulate
        self.dy = self.dy + dout * self.x

        return self.dx, self.dy


class AddLayer:
    def __init__(self):
        pass

    def forward(self, x, y):
        out = x + y

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
