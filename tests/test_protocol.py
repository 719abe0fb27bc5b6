"""The wire format accepts plain data and rejects everything else."""

import json
import struct

import numpy as np
import pytest

from autograder.sandbox.protocol import (Decoder, Encoder, ProtocolError, Ref, encode_message, pack,
                                         unpack)


def roundtrip(value):
    encoder = Encoder(make_ref=lambda obj: {"$ref": 7, "type": type(obj).__name__, "callable": callable(obj)})
    node = encoder.encode(value)
    header, blobs = unpack(pack({"value": node}, encoder.blobs)[8:])
    return Decoder(blobs, lambda ref: ref).decode(header["value"])


def test_plain_values_survive_the_trip():
    value = {"a": [1, 2.5, None, True, "x"], "t": (1, (2, 3)), "nan": float("nan")}
    back = roundtrip(value)
    assert back["a"] == [1, 2.5, None, True, "x"]
    assert back["t"] == (1, (2, 3))
    assert np.isnan(back["nan"])


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "bool", "uint8", "complex128"])
def test_arrays_keep_dtype_shape_and_values(dtype):
    array = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    back = roundtrip(array)
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable and back.flags.owndata


def test_numpy_scalars_stay_numpy_scalars():
    back = roundtrip(np.float32(1.5))
    assert type(back) is np.float32 and back == 1.5


def test_non_contiguous_and_zero_size_arrays():
    array = np.arange(12.0).reshape(3, 4).T
    np.testing.assert_array_equal(roundtrip(array), array)
    assert roundtrip(np.zeros((0, 3))).shape == (0, 3)


def test_ndarray_subclass_arrives_as_a_plain_ndarray():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    back = roundtrip(np.arange(3.0).view(Liar))
    assert type(back) is np.ndarray
    assert not np.all(back == np.array([9.0, 9.0, 9.0]))


def test_float_subclass_with_fake_equality_arrives_as_float():
    class Always(float):
        def __eq__(self, other):
            return True

    back = roundtrip(Always(2.0))
    assert type(back) is float and back != 3.0


def test_objects_become_references():
    back = roundtrip(object())
    assert isinstance(back, Ref) and back.type == "object"


def test_trusted_side_encoder_refuses_objects():
    with pytest.raises(ProtocolError):
        Encoder().encode(object())


def decode_header(header, blobs=()):
    body = pack(header, list(blobs))[8:]
    h, b = unpack(body)
    return Decoder(b, lambda ref: ref).decode(h["value"])


@pytest.mark.parametrize("node, blobs", [
    ({"$nd": 0, "dtype": "|O", "shape": [1]}, [b"x" * 8]),             # object dtype (pickle)
    ({"$nd": 0, "dtype": "<U1", "shape": [1]}, [b"x" * 4]),            # strings
    ({"$nd": 0, "dtype": "<f8", "shape": [2]}, [b"x" * 8]),            # size mismatch
    ({"$nd": 1, "dtype": "<f8", "shape": [1]}, [b"x" * 8]),            # missing buffer
    ({"$nd": 0, "dtype": "<f8", "shape": [-1]}, [b"x" * 8]),           # negative shape
    ({"$nd": 0, "dtype": "<f8", "shape": [1 << 40]}, [b""]),           # absurd size
    ({"__reduce__": "os.system"}, []),                                  # unknown tag
    ({"$nd": 0, "dtype": "<f8", "shape": [1], "extra": 1}, [b"x" * 8]),
])
def test_decoder_rejects_malformed_values(node, blobs):
    with pytest.raises(ProtocolError):
        decode_header({"value": node}, blobs)


def test_decoder_rejects_deep_nesting():
    node = []
    for _ in range(100):
        node = [node]
    with pytest.raises(ProtocolError):
        decode_header({"value": node})


def test_unpack_rejects_lying_lengths():
    head = json.dumps({"value": 1, "blobs": [100]}).encode()
    with pytest.raises(ProtocolError):
        unpack(struct.pack(">I", len(head)) + head + b"short")
    with pytest.raises(ProtocolError):
        unpack(b"\x00\x00\x00\xff{}")
    with pytest.raises(ProtocolError):
        unpack(struct.pack(">I", 2) + b"[]")


def test_encode_message_packs_named_values():
    header, blobs = unpack(encode_message({"op": "x"}, {"a": np.ones(2)})[8:])
    assert header["op"] == "x" and len(blobs) == 1
