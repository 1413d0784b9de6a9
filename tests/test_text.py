"""The two word splitters of pipeline.nlp.text: what each keeps, with offsets."""
from pipeline.nlp.text import lookup_words, words


def test_words_keep_punctuation_and_split_the_possessive():
    text = "“Putin's envoy said.” U.S. officials met Mr. Kim in Kyiv-based talks."
    got = words(text, base=100)
    assert [w for w, _, _ in got] == [
        "“", "Putin", "'s", "envoy", "said", ".", "”", "U.S.", "officials", "met", "Mr.",
        "Kim", "in", "Kyiv-based", "talks", "."]
    assert all(text[s - 100:e - 100] == w for w, s, e in got)


def test_lookup_words_are_name_parts_only():
    text = "The U.S.-led coalition's 3.5 billion for Iran."
    got = lookup_words(text)
    assert [w for w, _, _ in got] == ["The", "U.S.", "led", "coalition", "3", "5", "billion",
                                      "for", "Iran"]
    assert all(text[s:e] == w for w, s, e in got)
