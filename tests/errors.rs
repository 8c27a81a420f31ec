//! Bad input: every error names `file:line:col`, all errors are reported
//! together, the exit code is 1, and a previous `output/` is left exactly as it was.

mod common;
use common::{assert_fails, part, Fixture};

#[test]
fn malformed_toml_is_reported_at_its_line_in_the_file() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/02-second.md",
                b"+++\ntitle = \"Second\"\ndate = = 3\n+++\nText\n",
            )
        },
        &["series/02-second.md:3:"],
    );
}

#[test]
fn unclosed_front_matter() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| f.write("series/02-second.md", b"+++\ntitle = \"Second\"\n\nText\n"),
        &["series/02-second.md:1:1: front matter opened here is never closed"],
    );
}

#[test]
fn missing_title() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| f.write("series/02-second.md", b"+++\nsummary = \"x\"\n+++\nText\n"),
        &["series/02-second.md:2:1: missing required key `title`"],
    );
}

#[test]
fn unknown_key_is_named_with_a_suggestion() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/02-second.md",
                b"+++\ntitle = \"Second\"\nsumary = \"x\"\n+++\nText\n",
            )
        },
        &["series/02-second.md:3:1: unknown key `sumary` (did you mean `summary`?)"],
    );
}

#[test]
fn invalid_date() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/02-second.md",
                b"+++\ntitle = \"Second\"\ndate = \"2024-02-30\"\n+++\nText\n",
            )
        },
        &["series/02-second.md:3:8: `date` must be a date written YYYY-MM-DD"],
    );
}

#[test]
fn duplicate_part_numbers_name_both_files() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/other.md",
                part("title = \"Other\"\npart = 2\nslug = \"other\"", "x").as_bytes(),
            )
        },
        &["series/other.md:3:8: part number 2 is already used by series/02-second.md"],
    );
}

#[test]
fn duplicate_slugs() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/04-x.md",
                part("title = \"X\"\nslug = \"second\"", "x").as_bytes(),
            )
        },
        &["series/04-x.md:3:8: slug `second` is already used by series/02-second.md"],
    );
}

#[test]
fn file_that_is_not_utf8() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/02-second.md",
                b"+++\ntitle = \"Second\"\n+++\nCaf\xe9\n",
            )
        },
        &["series/02-second.md:4:4: not valid UTF-8"],
    );
}

#[test]
fn missing_series_toml_says_how_to_start() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| f.remove("series/series.toml"),
        &["series/series.toml: not found: every series needs one; create it with at least a title"],
    );
}

#[test]
fn missing_local_image() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| f.write("series/02-second.md", part("title = \"Second\"", "\nText\n\n![A map](assets/nope.png)\n").as_bytes()),
        &["series/02-second.md:7:1: missing image assets/nope.png: no such file series/assets/nope.png"],
    );
}

#[test]
fn image_outside_assets_is_an_error() {
    let f = Fixture::three_parts().file("series/pic.png", "x");
    assert_fails(
        &f,
        |f| f.write("series/02-second.md", part("title = \"Second\"", "\n![A pic](pic.png)\n").as_bytes()),
        &["series/02-second.md:5:1: missing image pic.png: series/pic.png is not under series/assets/"],
    );
}

#[test]
fn unknown_theme() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/series.toml",
                b"title = \"S\"\nbase_url = \"https://example.org/s/\"\ntheme = \"nope\"\n",
            )
        },
        &["series/series.toml: unknown theme `nope`"],
    );
}

#[test]
fn broken_theme_override_is_an_error() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "themes/default/part.html",
                b"{% block content %}{{ unclosed {% endblock %}",
            )
        },
        &["themes/default: theme templates do not compile"],
    );
}

#[test]
fn template_that_fails_at_render_time_is_an_error() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "themes/default/part.html",
                b"{{ part.no_such_field.deeper }}",
            )
        },
        &["themes/default/part.html: template failed while rendering first/index.html"],
    );
}

#[test]
fn all_errors_of_a_build_are_reported_together() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write("series/01-first.md", b"+++\ntitel = \"x\"\n+++\n");
            f.write("series/02-second.md", b"+++\ntitle = \"Second\"\n\n");
            f.write(
                "series/03-third.md",
                part("title = \"Third\"", "\n![x](assets/none.png)\n").as_bytes(),
            );
        },
        &[
            "series/01-first.md:2:1: unknown key `titel` (did you mean `title`?)",
            "series/02-second.md:1:1: front matter opened here is never closed",
            "series/03-third.md:5:1: missing image",
        ],
    );
}

#[test]
fn bad_series_toml_is_located() {
    let f = Fixture::three_parts();
    assert_fails(
        &f,
        |f| {
            f.write(
                "series/series.toml",
                b"title = \"S\"\nbase_url = \"https://example.org/s/\"\n\n[[forthcoming]]\npart = 4\ntitel = \"x\"\n",
            )
        },
        &["series/series.toml:6:1: unknown key `titel` (did you mean `title`?)"],
    );
}
