use hayagriva::archive::ArchivedStyle;
use hayagriva::citationberg::{taxonomy::Locator, Style};
use hayagriva::{CitationItem, CitationRequest, LocatorPayload, SpecificLocator};
use quire::workstyle::{Place, WorkStyles};
use std::sync::Arc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args[1].parse().unwrap();
    let key = &args[2];
    let mode = args.get(3).map(String::as_str).unwrap_or("placed");
    let bib = std::fs::read_to_string("/dev/shm/b/cc1000/series/bibliography.bib").unwrap();
    let library = hayagriva::io::from_biblatex_str(&bib).unwrap();
    let entry = library.get(key).unwrap();
    let Style::Independent(style) = ArchivedStyle::by_name("chicago-notes").unwrap().get() else {
        panic!()
    };
    let locales: Vec<_> = hayagriva::archive::locales()
        .into_iter()
        .filter(|l| l.lang.as_ref().is_some_and(|c| c.0 == "en-US"))
        .collect();
    let styles = WorkStyles::new(style.clone());
    let copy = styles.for_entry(entry);
    let place = Place {
        first: true,
        ibid: false,
        other_locator: false,
        near_note: false,
    };
    let placed = styles.placed(&copy, place, Some(Locator::Page));
    let s: Arc<_> = match mode {
        "placed" => placed,
        "copy" => copy,
        _ => Arc::new(style),
    };
    if n == 0 {
        println!("{}", Style::Independent((*s).clone()).to_xml().unwrap());
        return;
    }
    for _ in 0..n {
        let req = CitationRequest::new(
            vec![CitationItem::new(
                entry,
                Some(SpecificLocator(Locator::Page, LocatorPayload::Str("12"))),
                None,
                false,
                None,
            )],
            &s,
            None,
            &locales,
            None,
        );
        let out = hayagriva::standalone_citation(req);
        std::hint::black_box(out);
    }
}
