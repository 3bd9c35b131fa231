/// Parses the three HTTP-date forms of RFC 9110 §5.6.7 into Unix time (seconds), without Foundation.
enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Unix time of `bytes`, or `nil` when it is none of IMF-fixdate, RFC 850 or asctime.
    static func parse(_ bytes: ArraySlice<UInt8>) -> Double? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "," }).map { String($0) }
        if fields.count == 6, fields[5] == "GMT" {
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            return make(day: fields[1], month: fields[2], year: fields[3], time: fields[4], twoDigitYear: false)
        }
        if fields.count == 4, fields[3] == "GMT" {
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            let parts = fields[1].split(separator: "-").map(String.init)
            guard parts.count == 3 else { return nil }
            return make(day: parts[0], month: parts[1], year: parts[2], time: fields[2], twoDigitYear: true)
        }
        if fields.count == 5 {
            // asctime: Sun Nov  6 08:49:37 1994
            return make(day: fields[2], month: fields[1], year: fields[4], time: fields[3], twoDigitYear: false)
        }
        return nil
    }

    private static func make(day: String, month: String, year: String, time: String, twoDigitYear: Bool) -> Double? {
        guard day.count <= 2, let d = Int(day), (1...31).contains(d),
              let m = months.firstIndex(of: month.lowercased()),
              year.count == (twoDigitYear ? 2 : 4), var y = Int(year)
        else { return nil }
        if twoDigitYear {
            // RFC 9110: a two-digit year more than 50 years in the future means the past century.
            y += y < 70 ? 2000 : 1900
        }
        let clock = time.split(separator: ":")
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
              let hh = Int(clock[0]), let mm = Int(clock[1]), let ss = Int(clock[2]),
              hh < 24, mm < 60, ss < 61
        else { return nil }
        let days = daysFromCivil(year: y, month: m + 1, day: d)
        return Double(days) * 86_400 + Double(hh * 3600 + mm * 60 + ss)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
