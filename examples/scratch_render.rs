use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::Style;
use hayagriva::{BibliographyDriver, BibliographyRequest, CitationItem, CitationRequest};
use quire::workstyle::WorkStyles;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args[1].as_str();
    let bib = std::fs::read_to_string("/dev/shm/b/cc1000/series/bibliography.bib").unwrap();
    let library = hayagriva::io::from_biblatex_str(&bib).unwrap();
    let mut entries: Vec<&hayagriva::Entry> = library.iter().collect();
    entries.sort_by_key(|e| {
        (
            e.authors().and_then(|a| a.first()).map(|p| p.name.clone()),
            e.title().map(|t| t.value.to_string()),
            e.date().map(|d| d.year),
        )
    });
    let Style::Independent(style) = ArchivedStyle::by_name("chicago-notes").unwrap().get() else {
        panic!()
    };
    let locales: Vec<_> = hayagriva::archive::locales()
        .into_iter()
        .filter(|l| l.lang.as_ref().is_some_and(|c| c.0 == "en-US"))
        .collect();
    let mut list_style = style.clone();
    list_style.citation.layout.elements.clear();
    let styles = WorkStyles::new(list_style);
    let render = |entries: &[&hayagriva::Entry],
                  style: &hayagriva::citationberg::IndependentStyle| {
        let mut driver = BibliographyDriver::new();
        for e in entries {
            driver.citation(CitationRequest::from_items(
                vec![CitationItem::with_entry(*e)],
                style,
                &locales,
            ));
        }
        let r = driver.finish(BibliographyRequest::new(style, None, &locales));
        r.bibliography.map(|b| b.items.len()).unwrap_or(0)
    };
    match mode {
        "setup" => {
            let _ = styles.for_works(&entries);
            for e in &entries {
                let _ = styles.for_entry(e);
            }
        }
        "works" => {
            let s = styles.for_works(&entries);
            for e in &entries {
                let _ = styles.for_entry(e);
            }
            println!("{}", render(&entries, &s));
        }
        "each" => {
            let _ = styles.for_works(&entries);
            let mut n = 0;
            for e in &entries {
                let s = styles.for_entry(e);
                n += render(&[*e], &s);
            }
            println!("{n}");
        }
        "sortworks" => {
            let mut s = (*styles.for_works(&entries)).clone();
            for e in &entries {
                let _ = styles.for_entry(e);
            }
            s.bibliography.as_mut().unwrap().layout.elements.clear();
            println!("{}", render(&entries, &s));
        }
        "sortonly" => {
            let _ = styles.for_works(&entries);
            for e in &entries {
                let _ = styles.for_entry(e);
            }
            let mut s = styles.style().clone();
            s.bibliography.as_mut().unwrap().layout.elements.clear();
            println!("{}", render(&entries, &s));
        }
        _ => {}
    }
}
