"""tinynet.testing.assert_close passes and fails where torch.testing.assert_close does, with its messages."""

import pytest

import tinynet


def _pairs(lib):
    t = lib.tensor
    return [
        (t([1.0, 2.0, 3.0]), t([1.0, 2.1, 3.0]), {}),
        (t([1.0, 2.0]), t([1.0, 2.0000001]), {}),  # inside float32's default tolerance
        (t([1.0, 2.0], dtype=lib.float64), t([1.0, 2.000001], dtype=lib.float64), {}),  # outside float64's
        (t([1.0, 2.0]), t([1.0, 2.0, 3.0]), {}),
        (t([1.0, 2.0]), t([1.0, 2.0], dtype=lib.float64), {}),
        (t([1.0, 2.0]), t([1.0, 2.0], dtype=lib.float64), {"check_dtype": False}),
        (t([1, 2]), t([1, 3]), {}),
        (t([float("nan"), 1.0]), t([float("nan"), 1.0]), {}),
        (t([float("nan"), 1.0]), t([float("nan"), 1.0]), {"equal_nan": True}),
        (t([float("inf")]), t([float("inf")]), {}),
        (t([-float("inf"), 1.0]), t([float("inf"), 1.0]), {}),  # (inf - -inf is within an infinite tolerance)
        (-float("inf"), float("inf"), {}),
        (t([2 ** 62]), t([2 ** 62 + 1]), {}),  # (one apart, but equal as float64s)
        (t([1.0, 2.0]), t([1.0, 2.5]), {"rtol": 0.0, "atol": 0.6}),
        (1.0, 1.1, {}),
        (1, 1.0, {}),
        ([lib.ones(2), 3], [lib.ones(2), 3], {}),
        ([lib.ones(2)], [lib.zeros(2)], {}),
        ({"a": lib.ones(2)}, {"a": lib.ones(3)}, {}),
    ]


def _outcome(lib, actual, expected, options):
    try:
        lib.testing.assert_close(actual, expected, **options)
    except AssertionError as error:
        return str(error).replace("torch.", "").replace("tinynet.", "")
    return None


@pytest.mark.parametrize("index", range(len(_pairs(tinynet))))
def test_assert_close_agrees_with_torch(index, torch):
    ours, theirs = _pairs(tinynet)[index], _pairs(torch)[index]
    mine, reference = _outcome(tinynet, *ours), _outcome(torch, *theirs)
    assert (mine is None) == (reference is None), (mine, reference)
    if reference is not None:  # the same first line, counts and locations (the differences' last digits may differ)
        assert mine.splitlines()[0] == reference.splitlines()[0]
        def labels(text):
            return [line.split(":")[0] for line in text.splitlines()]
        assert labels(mine) == labels(reference)


def test_assert_close_options():
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        tinynet.testing.assert_close(tinynet.ones(1), tinynet.ones(1), rtol=0.1)
    with pytest.raises(AssertionError, match="^my words$"):
        tinynet.testing.assert_close(tinynet.ones(1), tinynet.zeros(1), msg="my words")
    with pytest.raises(AssertionError, match="both must be tensors"):
        tinynet.testing.assert_close(tinynet.ones(1), 1.0)
