# bug: MulLayer keeps out and y and recovers x as out / y in backward, which is nan or inf where y == 0.
import numpy as np


class MulLayer:
    def __init__(self):
        self.out = None
        self.y = None

    def forward(self, x, y):
        out = x * y
        self.out = out  # x can be recovered as out / y
        self.y = y

        return out

    def backward(self, dout):
        x = self.out / self.y
        dx = dout * self.y
        dy = dout * x

        return dx, dy


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
