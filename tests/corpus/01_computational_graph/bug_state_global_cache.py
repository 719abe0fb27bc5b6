# bug: MulLayer keeps x and y in a module-level dict, so every MulLayer object shares one cache.
import numpy as np

_cache = {}


class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        _cache["x"] = x
        _cache["y"] = y
        out = x * y

        return out

    def backward(self, dout):
        dx = dout * _cache["y"]  # swap x and y
        dy = dout * _cache["x"]

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
