from scanner.ratelimit import RateLimiter


def test_bucket_allows_its_burst_then_spaces_requests_at_the_rate():
    limiter = RateLimiter(rate=100, burst=5)
    delays = [limiter.reserve() for _ in range(10)]
    assert delays[:5] == [0.0] * 5
    # the 6th..10th wait about 10 ms more each
    assert all(b > a for a, b in zip(delays[5:], delays[6:]))
    assert 0.04 < delays[-1] < 0.06
