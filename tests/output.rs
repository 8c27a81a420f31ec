//! The output folder: nothing quire did not write is ever removed, unchanged
//! files are not rewritten, and dangerous targets are refused.

mod common;
use common::{part, Fixture};
use std::time::{Duration, SystemTime};

#[test]
fn files_quire_did_not_write_survive_every_build() {
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    f.write("output/CNAME", b"essays.example.org");
    f.write("output/.git/HEAD", b"ref: refs/heads/main");
    f.write("output/first/notes-by-hand.txt", b"mine");
    // Rename a part: its old page goes, the author's files stay.
    f.remove("series/03-third.md");
    f.write(
        "series/03-renamed.md",
        part("title = \"Third\"", "x").as_bytes(),
    );
    f.build_ok(&[]);
    assert!(
        !f.out("third/index.html").exists(),
        "stale page not removed"
    );
    assert!(!f.out("third").exists(), "emptied folder not removed");
    assert!(f.out("renamed/index.html").is_file());
    assert_eq!(
        std::fs::read(f.out("CNAME")).unwrap(),
        b"essays.example.org"
    );
    assert!(f.out(".git/HEAD").is_file());
    assert!(f.out("first/notes-by-hand.txt").is_file());
}

#[test]
fn unchanged_files_are_not_rewritten() {
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    let old = SystemTime::now() - Duration::from_secs(3600);
    for rel in ["index.html", "first/index.html", "second/index.html"] {
        std::fs::File::options()
            .write(true)
            .open(f.out(rel))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    f.write(
        "series/02-second.md",
        part("title = \"Second, revised\"", "x").as_bytes(),
    );
    let run = f.build_ok(&[]);
    let mtime = |rel: &str| std::fs::metadata(f.out(rel)).unwrap().modified().unwrap();
    // Part II changed, and so did the pages that show its title; nothing else.
    assert!(mtime("second/index.html") > old);
    assert!(mtime("index.html") > old);
    assert!(
        mtime("first/index.html") > old,
        "Part I's next link shows the new title"
    );
    assert!(run.stdout().contains("unchanged"), "{}", run.stdout());
    let again = f.build_ok(&[]);
    assert!(again.stdout().contains("(0 written"), "{}", again.stdout());
}

#[test]
fn pages_newer_than_the_manifest_are_trusted_again_after_one_build() {
    // An output folder copied or restored gets new file times: the pages
    // look newer than the manifest, so a build must read them to find them
    // unchanged; it then renews the manifest so that the next one need not.
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    let mtime = |rel: &str| std::fs::metadata(f.out(rel)).unwrap().modified().unwrap();
    let later = mtime(".quire-manifest") + Duration::from_millis(1);
    std::fs::File::options()
        .write(true)
        .open(f.out("first/index.html"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    // File times come from a coarse clock.
    std::thread::sleep(Duration::from_millis(50));
    let run = f.build_ok(&[]);
    assert!(run.stdout().contains("(0 written"), "{}", run.stdout());
    assert!(
        mtime(".quire-manifest") > later,
        "the manifest is renewed after the page was found unchanged"
    );
}

#[test]
fn a_page_changed_by_hand_is_restored_even_at_the_same_size() {
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    let good = std::fs::read(f.out("first/index.html")).unwrap();
    let mut tampered = good.clone();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'x' { b'y' } else { b'x' };
    f.write("output/first/index.html", &tampered);
    let run = f.build_ok(&[]);
    assert!(run.stdout().contains("(1 written,"), "{}", run.stdout());
    assert_eq!(std::fs::read(f.out("first/index.html")).unwrap(), good);
}

#[test]
fn big_files_written_in_pieces_are_restored_whatever_was_done_to_them() {
    // The feed and the one-page edition are compared with the old file as
    // they are written: a change in the middle, a cut and an addition must
    // all be noticed, and the restored file must be whole.
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    let feed = std::fs::read(f.out("atom.xml")).unwrap();
    let edition = std::fs::read(f.out("all/index.html")).unwrap();
    let mut tampered = feed.clone();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'x' { b'y' } else { b'x' };
    f.write("output/atom.xml", &tampered);
    f.write("output/all/index.html", &edition[..edition.len() / 3]);
    let run = f.build_ok(&[]);
    assert!(run.stdout().contains("(2 written,"), "{}", run.stdout());
    assert_eq!(std::fs::read(f.out("atom.xml")).unwrap(), feed);
    assert_eq!(std::fs::read(f.out("all/index.html")).unwrap(), edition);
    let mut longer = feed.clone();
    longer.extend_from_slice(b"<!-- more -->");
    f.write("output/atom.xml", &longer);
    let run = f.build_ok(&[]);
    assert!(run.stdout().contains("(1 written,"), "{}", run.stdout());
    assert_eq!(std::fs::read(f.out("atom.xml")).unwrap(), feed);
}

#[test]
fn a_build_that_fails_while_writing_pages_leaves_no_folder_or_file_behind() {
    // Pages are written (under temporary names) as they are rendered: when a
    // later page fails, the new part's folder and every temporary file go.
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    let before = f.snapshot();
    f.write(
        "series/04-fourth.md",
        part("title = \"Fourth\"", "Text.").as_bytes(),
    );
    f.write(
        "themes/default/series.html",
        b"{{ site.no_such_field.deeper }}",
    );
    let run = f.build(&[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(!f.out("fourth").exists(), "the new part's folder was left");
    assert_eq!(f.snapshot(), before, "output/ changed after a failed build");
    // Without the failure the same build writes the new folder.
    f.remove("themes/default/series.html");
    f.build_ok(&[]);
    assert!(f.out("fourth/index.html").is_file());
}

#[test]
fn leftovers_of_an_interrupted_build_are_repaired() {
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    // As if killed mid-write: a temporary file, and a truncated page.
    f.write("output/first/.index.html.quire-tmp", b"<html><bo");
    f.write("output/second/index.html", b"<html><bo");
    f.build_ok(&[]);
    assert!(!f.out("first/.index.html.quire-tmp").exists());
    assert_eq!(f.page("second/index.html").text("h1"), "Second");
}

#[test]
fn manifest_lists_exactly_the_files_written() {
    let f = Fixture::three_parts();
    f.build_ok(&[]);
    let manifest = std::fs::read_to_string(f.out(".quire-manifest")).unwrap();
    let listed: Vec<&str> = manifest
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let mut on_disk: Vec<String> = f
        .snapshot()
        .into_keys()
        .filter(|k| k != ".quire-manifest")
        .collect();
    on_disk.sort();
    assert_eq!(listed, on_disk);
}

#[test]
fn refuses_root_series_and_their_ancestors_as_output() {
    let f = Fixture::three_parts();
    let root = f.root().to_string_lossy().into_owned();
    let series = f.root().join("series").to_string_lossy().into_owned();
    let parent = f.root().parent().unwrap().to_string_lossy().into_owned();
    for (target, risk) in [
        (&root, "project root"),
        (&series, "series folder"),
        (&parent, "project root"),
    ] {
        let run = f.build(&["--output", target, "--force"]);
        assert_eq!(run.code(), 2, "{target}: {}", run.stderr());
        assert!(run.stderr().contains(risk), "{}", run.stderr());
    }
    assert!(f.root().join("series/01-first.md").is_file());
}

#[test]
fn refuses_a_non_empty_folder_it_never_built_into_unless_forced() {
    let f = Fixture::three_parts();
    f.write("elsewhere/precious.txt", b"keep me");
    let target = f.root().join("elsewhere").to_string_lossy().into_owned();
    let run = f.build(&["--output", &target]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--force"), "{}", run.stderr());
    assert!(!f.root().join("elsewhere/index.html").exists());
    f.build_ok(&["--output", &target, "--force"]);
    assert!(f.root().join("elsewhere/index.html").is_file());
    assert_eq!(
        std::fs::read(f.root().join("elsewhere/precious.txt")).unwrap(),
        b"keep me"
    );
    // Once built into, no --force is needed.
    f.build_ok(&["--output", &target]);
}
