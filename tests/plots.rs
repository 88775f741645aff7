//! Plots, HTML reports and comparisons, through the real binary: every bundled scenario gets a
//! valid PNG, SVG and report.html; `ftsim plot` redraws the same bytes; `ftsim compare` prints
//! numbers that are those of the two report.json files, with differences computed right; the data
//! handed to the plotting code has the expected series and shaded windows.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ftsim::metrics::observations::FailureCause;
use ftsim::report::compare::{self, Cell};
use ftsim::report::plot::model::PlotModel;
use ftsim::report::run_data::RunData;
use ftsim::scenario::bundled;
use serde_json::Value;

fn ftsim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftsim")).args(args).current_dir(cwd).output().expect("ftsim runs")
}

/// Runs bundled scenario `name` into `<dir>/runs/<name>`; the SLO may hold or not (exit 0 or 1).
/// (Not `<dir>/<name>` with `dir` as working directory: `ftsim run NAME` reads a path named NAME
/// before it looks for a bundled scenario.)
fn run(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join("runs").join(name);
    let o = ftsim(&["run", name, "-q", "--out", out.to_str().unwrap()], dir);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{name}: {o:?}");
    out
}

fn report_json(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap()
}

fn check_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{}: no PNG signature", path.display());
    assert!(bytes.len() > 20_000, "{}: only {} bytes", path.display(), bytes.len());
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header decodes");
    let mut pixels = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut pixels).expect("PNG pixels decode");
    assert!(info.width >= 1000 && info.height >= 800, "{}: {}x{}", path.display(), info.width, info.height);
    assert!(pixels.iter().any(|p| *p < 128), "{}: blank image", path.display());
}

fn check_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .collect();
    assert!(texts.iter().any(|t| t == "time since start [s]"), "{}: no time axis title", path.display());
}

#[test]
fn every_bundled_scenario_gets_plots_and_an_html_report() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, _) in bundled::BUNDLED {
        let dir = run(tmp.path(), name);
        check_png(&dir.join("availability.png"));
        check_svg(&dir.join("availability.svg"));
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
        for section in [
            "id=\"verdict\"",
            "id=\"plot\"",
            "id=\"summary\"",
            "id=\"slo\"",
            "id=\"faults\"",
            "id=\"episodes\"",
            "id=\"scenario\"",
        ] {
            assert!(html.contains(section), "{name}: report.html lacks {section}");
        }
        assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
        assert!(html.contains("<svg") && html.contains(&format!("<h1>{name}</h1>")), "{name}");
        let holds = report_json(&dir)["slo"]["holds"].as_bool().unwrap();
        assert!(html.contains(if holds { "SLO holds" } else { "SLO VIOLATED" }), "{name}");
    }
}

#[test]
fn plot_redraws_the_same_bytes_as_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "head-pod-crash-no-gcs-ft");
    let files = ["availability.png", "availability.svg", "report.html"];
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect();
    for f in files {
        std::fs::remove_file(dir.join(f)).unwrap();
    }
    let o = ftsim(&["plot", "-q", dir.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    for (f, old) in files.iter().zip(&before) {
        assert!(std::fs::read(dir.join(f)).unwrap() == *old, "{f} differs after ftsim plot");
    }
    let again = run(tmp.path(), "head-pod-crash-no-gcs-ft");
    for (f, old) in files.iter().zip(&before) {
        assert!(std::fs::read(again.join(f)).unwrap() == *old, "{f} differs between two runs");
    }
}

/// The width and height of a PNG file.
fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(std::fs::read(path).unwrap()));
    let info = decoder.read_info().expect("PNG header decodes");
    (info.info().width, info.info().height)
}

/// Issue 10 §1: a hand-edited report with 20,000 faults asked for a 3.7 GB image. The figure's
/// size is bounded whatever the report holds: a few faults are drawn, the rest are counted.
#[test]
fn plot_of_a_report_with_20000_faults_is_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "replica-crash");
    let normal = png_size(&dir.join("availability.png"));
    let mut report = report_json(&dir);
    let first = report["faults"][0].clone();
    let faults: Vec<Value> = (0..20_000)
        .map(|i| {
            let mut f = first.clone();
            f["index"] = i.into();
            f["injected_at_s"] = (f64::from(i) * 0.01).into();
            f
        })
        .collect();
    report["faults"] = faults.into();
    std::fs::write(dir.join("report.json"), serde_json::to_vec(&report).unwrap()).unwrap();
    let o = ftsim(&["plot", "-q", dir.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let (w, h) = png_size(&dir.join("availability.png"));
    assert_eq!(w, normal.0);
    assert!(h <= normal.1 + 12 * 44 + 44, "{w}x{h} against {}x{} with one fault", normal.0, normal.1);
    let svg = std::fs::read_to_string(dir.join("availability.svg")).unwrap();
    assert!(svg.contains("and 19988 more faults"), "the faults not drawn are counted");
}

/// Issue 10 §5: `ftsim plot good bad` checks every directory before it writes any; a bad one
/// among good ones leaves the good ones byte for byte as they were.
#[test]
fn plot_writes_nothing_when_one_directory_is_bad() {
    let tmp = tempfile::tempdir().unwrap();
    let good = run(tmp.path(), "replica-crash");
    std::fs::write(good.join("availability.svg"), "edited by hand").unwrap();
    let bad = tmp.path().join("not-a-run");
    std::fs::create_dir(&bad).unwrap();
    let o = ftsim(&["plot", good.to_str().unwrap(), bad.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(err.contains("nothing was written (1 of 2 directories failed)"), "{err}");
    assert_eq!(std::fs::read_to_string(good.join("availability.svg")).unwrap(), "edited by hand");
    assert!(o.stdout.is_empty(), "no `wrote` line");
}

/// `ftsim plot` writes only into a directory that ftsim wrote, and only files its manifest lists.
#[test]
fn plot_refuses_a_directory_without_a_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let good = run(tmp.path(), "replica-crash");
    std::fs::remove_file(good.join(".ftsim-manifest.json")).unwrap();
    let o = ftsim(&["plot", good.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8(o.stderr).unwrap().contains("no .ftsim-manifest.json"));
}

#[test]
fn plot_and_compare_reject_a_directory_that_is_not_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let good = run(tmp.path(), "replica-crash");
    let bad = tmp.path().join("not-a-run");
    std::fs::create_dir(&bad).unwrap();
    for args in [vec!["plot", bad.to_str().unwrap()], vec!["compare", good.to_str().unwrap(), bad.to_str().unwrap()]] {
        let o = ftsim(&args, tmp.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(o.stderr).unwrap();
        let first = err.lines().next().unwrap_or_default();
        assert_eq!(first, format!("ftsim: {}: not an ftsim run directory (no report.json)", bad.display()));
    }
    let o = ftsim(&["compare", good.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(2), "compare needs two runs");
    let missing = tmp.path().join("missing");
    let o = ftsim(&["compare", good.to_str().unwrap(), missing.to_str().unwrap()], tmp.path());
    assert_eq!(String::from_utf8(o.stderr).unwrap(), format!("ftsim: {}: no such directory\n", missing.display()));
}

/// A number of report.json at a JSON pointer.
fn num(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer).and_then(Value::as_f64).unwrap_or_else(|| panic!("{pointer}"))
}

#[test]
fn compare_table_holds_the_reports_numbers_and_their_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run(tmp.path(), "head-pod-crash-gcs-ft");
    let b = run(tmp.path(), "head-pod-crash-no-gcs-ft");
    let (ja, jb) = (report_json(&a), report_json(&b));
    let runs = [RunData::load(&a).unwrap(), RunData::load(&b).unwrap()];
    let table = compare::table(&[&runs[0].report, &runs[1].report]);
    let expect = [
        ("success ratio", "/summary/success_ratio"),
        ("failed requests", "/summary/failures"),
        ("downtime [s]", "/summary/downtime_s"),
        ("bad seconds", "/summary/bad_seconds"),
        ("brownout [s]", "/summary/brownout_s"),
        ("run length [s]", "/duration_s"),
        ("head_pod_crash: detection [s]", "/faults/0/time_to_detect_s"),
        ("head_pod_crash: recovery [s]", "/faults/0/time_to_recover_s"),
        ("head_pod_crash: failed requests", "/faults/0/failed_requests"),
    ];
    for (metric, pointer) in expect {
        let row = table.rows.iter().find(|r| r.metric == metric).unwrap_or_else(|| panic!("no row {metric}"));
        let (va, vb) = (num(&ja, pointer), num(&jb, pointer));
        assert_eq!(row.cells, vec![Cell::Value(va), Cell::Value(vb)], "{metric}");
        let d = row.diff(1).unwrap();
        assert_eq!(d.abs, vb - va, "{metric}");
        let rel = if va == vb {
            Some(0.0)
        } else if va == 0.0 {
            None
        } else {
            Some((vb - va) / va)
        };
        assert_eq!(d.rel, rel, "{metric}");
    }
    // The bundled pair: GCS FT keeps every request; without it the head crash costs requests.
    assert_eq!(num(&ja, "/summary/failures"), 0.0);
    assert!(num(&jb, "/summary/failures") > 0.0);

    let out = tmp.path().join("cmp");
    let o = ftsim(&["compare", a.to_str().unwrap(), b.to_str().unwrap(), "--out", out.to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let stdout = String::from_utf8(o.stdout).unwrap();
    let failed = stdout.lines().find(|l| l.trim_start().starts_with("failed requests")).expect("failed requests row");
    let cells: Vec<&str> = failed.split_whitespace().skip(2).collect();
    let fb = num(&jb, "/summary/failures");
    assert_eq!(cells, vec!["0".to_string(), format!("{fb}"), format!("+{fb}"), "n/a".into()]);
    assert!(stdout.contains(&std::fs::read_to_string(out.join("compare.txt")).unwrap()));
    check_png(&out.join("overlay.png"));
    check_svg(&out.join("overlay.svg"));
    let html = std::fs::read_to_string(out.join("compare.html")).unwrap();
    for section in ["id=\"runs\"", "id=\"table\"", "id=\"plot\"", "<svg"] {
        assert!(html.contains(section), "compare.html lacks {section}");
    }
}

#[test]
fn compare_defaults_its_output_directory_and_takes_three_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let dirs: Vec<PathBuf> = ["replica-crash", "worker-node-loss", "redis-outage-during-head-crash"]
        .iter()
        .map(|n| run(tmp.path(), n))
        .collect();
    let args: Vec<&str> = std::iter::once("compare").chain(dirs.iter().map(|d| d.to_str().unwrap())).collect();
    let o = ftsim(&args, tmp.path());
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = tmp.path().join("output/compare-replica-crash-vs-worker-node-loss-vs-redis-outage-during-head-crash");
    assert!(out.join("compare.html").is_file() && out.join("overlay.png").is_file());
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(stdout.contains("C - A") && stdout.contains("redis_outage: recovery [s]"), "{stdout}");
    // A fault only the third run has is absent ("-") in the others.
    let row = stdout.lines().find(|l| l.contains("redis_outage: recovery [s]")).unwrap();
    assert!(row.split_whitespace().filter(|c| *c == "-").count() >= 2, "{row}");
}

#[test]
fn report_html_escapes_scenario_text() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, text) = bundled::by_name("replica-crash").unwrap();
    let mut json: Value = serde_json::from_str(text).unwrap();
    json["description"] = Value::from("<script>alert('x')</script> & <b>bold</b>");
    let file = tmp.path().join("evil.json");
    std::fs::write(&file, json.to_string()).unwrap();
    let out = tmp.path().join("evil");
    let o = ftsim(&["run", file.to_str().unwrap(), "-q", "--out", out.to_str().unwrap()], tmp.path());
    assert!(matches!(o.status.code(), Some(0 | 1)), "{o:?}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<script") && !html.contains("<b>"), "unescaped scenario text");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"));
}

/// The plot model of a known run: what the timeline shows, checked as data rather than pixels.
#[test]
fn plot_model_of_a_head_crash_without_gcs_ft() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = run(tmp.path(), "head-pod-crash-no-gcs-ft");
    let data = RunData::load(&dir).unwrap();
    let j = report_json(&dir);
    let m = PlotModel::from_run(&data);

    assert_eq!(m.title, "head-pod-crash-no-gcs-ft");
    assert_eq!(m.duration_s, 240.0);
    assert_eq!(m.slo_min_success_ratio, Some(0.99));
    // One bucket per second; rates times widths give back the report's totals.
    assert_eq!(m.buckets.len(), 240);
    assert!(m.buckets.iter().all(|b| b.end_s - b.start_s == 1.0));
    let successes: f64 = m.buckets.iter().map(|b| b.success_rate).sum();
    let failures: f64 = m.buckets.iter().map(|b| b.failure_rates.iter().sum::<f64>()).sum();
    assert_eq!((successes, failures), (num(&j, "/summary/successes"), num(&j, "/summary/failures")));
    // The failures all come from the proxies being gone, and that is the only cause shown.
    assert_eq!(m.causes, vec![FailureCause::ProxyUnavailable]);

    // The fault window is shaded from injection to recovery, with markers at both events.
    assert_eq!(m.faults.len(), 1);
    let f = &m.faults[0];
    assert_eq!(f.label, "head_pod_crash (head)");
    assert_eq!(
        (f.injected_s, f.detected_s, f.recovered_s),
        (60.0, Some(num(&j, "/faults/0/detected_at_s")), Some(num(&j, "/faults/0/recovered_at_s")))
    );
    assert_eq!(f.end_s, f.recovered_s.unwrap());
    // The downtime episode is the report's; buckets within it fail entirely.
    assert_eq!(m.episodes.len(), 1);
    let ep = &m.episodes[0];
    assert_eq!(
        (ep.start_s, ep.end_s),
        (num(&j, "/downtime_episodes/0/start_s"), num(&j, "/downtime_episodes/0/end_s"))
    );
    // It outlasts the fault window: the cluster is back at target, but the rebuilt replicas all
    // run on the head, so the worker the traffic is pinned to has no proxy.
    assert!(f.injected_s <= ep.start_s && ep.end_s <= m.duration_s);
    let inside = m.buckets.iter().filter(|b| b.start_s >= ep.start_s.ceil() && b.end_s <= ep.end_s.floor());
    assert!(inside.clone().count() > 5 && inside.clone().all(|b| b.success_ratio == Some(0.0)));

    // Components: replicas at 6/6 before the crash, all gone during the outage, back by the end.
    let replicas = &m.gauges[0];
    assert_eq!(m.gauges.iter().map(|g| g.name).collect::<Vec<_>>(), ["replicas", "proxies", "Ray pods"]);
    assert_eq!(replicas.steps.first().map(|s| (s.start_s, s.value)), Some((0.0, (6, 6))));
    assert_eq!(replicas.steps.last().map(|s| (s.end_s, s.value)), Some((240.0, (6, 6))));
    assert!(replicas.steps.iter().any(|s| s.value.0 == 0 && s.start_s >= 60.0 && s.end_s <= f.end_s));
    // Steps tile the axis without gaps.
    for g in &m.gauges {
        assert!(g.steps.windows(2).all(|w| w[0].end_s == w[1].start_s && w[0].value != w[1].value), "{}", g.name);
    }
    // GCS down after the crash and up again; Redis plays no part without GCS FT.
    assert_eq!(
        m.switches.iter().map(|s| (s.name, s.in_use)).collect::<Vec<_>>(),
        [("GCS", true), ("Redis", false), ("controller", true)]
    );
    let gcs_down: Vec<_> = m.switches[0].spans.iter().filter(|s| !s.value).collect();
    assert_eq!(gcs_down.len(), 1);
    assert!(gcs_down[0].start_s >= 60.0 && gcs_down[0].end_s <= f.end_s);
}
