import Testing
import Triage

@Suite struct XMLTextTests {
    @Test func escapesTheFiveSpecialCharactersAndNothingElse() {
        #expect(XMLText.escaped(#"a&b<c>d"e'f é \#u{1}"#) == "a&amp;b&lt;c&gt;d&quot;e&apos;f é \u{1}")
    }

    @Test(arguments: [
        ("plain text", "plain text"),
        ("&lt;Key&gt; &amp; &quot;x&quot; &apos;y&apos;", #"<Key> & "x" 'y'"#),
        ("&#233;&#xE9;&#x1F600;", "éé😀"),
        ("  spaces kept  ", "  spaces kept  "),
    ])
    func decodesPredefinedAndNumericReferences(text: String, expected: String) {
        #expect(XMLText.unescaped(text) == expected)
    }

    @Test(arguments: ["&nbsp;", "&unterminated", "&#xD800;", "&#99999999999;", "&averyveryverylongname;", "a & b"])
    func refusesAnyOtherReference(text: String) {
        #expect(XMLText.unescaped(text) == nil)
    }

    @Test func escapingThenUnescapingGivesTheTextBack() {
        let text = #"<Object><Key>a&b "c" 'd' <e></Key></Object> é"#
        #expect(XMLText.unescaped(XMLText.escaped(text)) == text)
    }
}
