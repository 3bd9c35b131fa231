import Testing
import Triage

@Suite struct RetryAfterTests {
    // 1994-11-06 08:49:37 UTC
    let then: Double = 784_111_777

    @Test(arguments: [
        ("120", Duration.seconds(120)),
        ("  7 ", .seconds(7)),
        ("0", .zero),
        ("99999999999999999999999999", RetryAfter.maximumRepresentable),
    ])
    func delaySeconds(value: String, expected: Duration) {
        #expect(RetryAfter.parse(value, now: 0) == expected)
    }

    @Test(arguments: [
        "Sun, 06 Nov 1994 08:49:47 GMT",  // IMF-fixdate
        "Sunday, 06-Nov-94 08:49:47 GMT",  // RFC 850
        "Sun Nov  6 08:49:47 1994",  // asctime
    ])
    func everyDateFormNamesTenSeconds(value: String) {
        #expect(RetryAfter.parse(value, now: then) == .seconds(10))
    }

    @Test func aPastDateMeansNow() {
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: then + 3600) == .zero)
    }

    @Test(arguments: [
        "", "   ", "-5", "+5", "1.5", "soon", "12abc", "٣", "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
        String(repeating: "9", count: 10_000), "\u{0}", "Sun, 06 Nov 1994 08:49:37 PST",
    ])
    func invalidValuesAreIgnored(value: String) {
        #expect(RetryAfter.parse(value, now: then) == nil)
    }

    @Test func amazonDelaysAreMilliseconds() {
        #expect(RetryAfter.parseMilliseconds("1500") == .milliseconds(1500))
        #expect(RetryAfter.parseMilliseconds("x") == nil)
    }
}
