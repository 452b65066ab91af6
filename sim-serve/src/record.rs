//! `--record FILE`: the session as a scenario that `kubesim run` replays to the identical
//! timeline. The recorded scenario is the served one (its paths made absolute, its
//! expectations dropped) with every client action appended as a timed event; objects a
//! client applied are written beside it, one JSON manifest per apply, in
//! `<FILE stem>.objects/`.

use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value as Yaml};
use sim_core::time::SimTime;

/// Where the served scenario came from.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A scenario file.
    Scenario(PathBuf),
    /// Manifests on the default cluster (`-f`).
    Manifests(Vec<PathBuf>),
}

/// The recorder: the scenario so far, rewritten after every client action.
#[derive(Debug)]
pub struct Recorder {
    file: PathBuf,
    objects_dir: PathBuf,
    base: Mapping,
    events: Vec<Yaml>,
    applied: usize,
}

fn absolute(dir: &Path, p: &str) -> String {
    let path = Path::new(p);
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    };
    std::fs::canonicalize(&joined)
        .unwrap_or(joined)
        .display()
        .to_string()
}

fn key(name: &str) -> Yaml {
    Yaml::String(name.to_string())
}

impl Recorder {
    /// A recorder writing `file`, starting from `origin`.
    pub fn new(file: &Path, origin: &Origin) -> Result<Recorder, String> {
        let mut events = Vec::new();
        let base = match origin {
            Origin::Scenario(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let doc: Yaml =
                    serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                let Yaml::Mapping(mut base) = doc else {
                    return Err(format!("{}: not a scenario", path.display()));
                };
                let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
                if let Some(Yaml::Mapping(spec)) = base.get_mut(key("spec")) {
                    spec.remove(key("expect"));
                    if let Some(Yaml::Sequence(ms)) = spec.get_mut(key("manifests")) {
                        for m in ms.iter_mut() {
                            if let Yaml::String(s) = m {
                                *s = absolute(&dir, s);
                            }
                        }
                    }
                    if let Some(Yaml::Mapping(sched)) = spec.get_mut(key("scheduler")) {
                        if let Some(Yaml::String(s)) = sched.get_mut(key("config")) {
                            *s = absolute(&dir, s);
                        }
                    }
                    if let Some(Yaml::Sequence(es)) = spec.remove(key("events")) {
                        for mut e in es {
                            if let Yaml::Mapping(em) = &mut e {
                                if let Some(Yaml::String(s)) = em.get_mut(key("apply")) {
                                    *s = absolute(&dir, s);
                                }
                            }
                            events.push(e);
                        }
                    }
                }
                base
            }
            Origin::Manifests(paths) => {
                let cwd = std::env::current_dir().unwrap_or_default();
                let text = "apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata:\n  name: recorded\nspec:\n  cluster:\n    nodePools:\n    - name: node\n      count: 3\n      zone: zone-a\n      capacity: {cpu: \"4\", memory: 16Gi, pods: 110}\n  manifests: []\n";
                let Ok(Yaml::Mapping(mut base)) = serde_yaml::from_str::<Yaml>(text) else {
                    return Err("internal: the recorded scenario template does not parse".into());
                };
                if let Some(Yaml::Mapping(spec)) = base.get_mut(key("spec")) {
                    spec.insert(
                        key("manifests"),
                        Yaml::Sequence(
                            paths
                                .iter()
                                .map(|p| Yaml::String(absolute(&cwd, &p.display().to_string())))
                                .collect(),
                        ),
                    );
                }
                base
            }
        };
        let stem = file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "session".to_string());
        let objects_dir = file
            .parent()
            .unwrap_or(Path::new("."))
            .join(format!("{stem}.objects"));
        Ok(Recorder {
            file: file.to_path_buf(),
            objects_dir,
            base,
            events,
            applied: 0,
        })
    }

    /// Records a client apply of `object` (the manifest as the server decoded it) at `at`.
    pub fn apply(&mut self, at: SimTime, object: &serde_json::Value) -> Result<(), String> {
        std::fs::create_dir_all(&self.objects_dir)
            .map_err(|e| format!("cannot create {}: {e}", self.objects_dir.display()))?;
        self.applied += 1;
        let kind = object["kind"].as_str().unwrap_or("object").to_lowercase();
        let name = object["metadata"]["name"]
            .as_str()
            .or(object["metadata"]["generateName"].as_str())
            .unwrap_or("unnamed");
        let file = self
            .objects_dir
            .join(format!("{:04}-{kind}-{name}.json", self.applied));
        let text = serde_json::to_string_pretty(object).map_err(|e| e.to_string())?;
        std::fs::write(&file, text + "\n")
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        let mut m = Mapping::new();
        // Relative to the scenario file (the folder is beside it), so a recording moves.
        let relative = Path::new(
            self.objects_dir
                .file_name()
                .unwrap_or_else(|| std::ffi::OsStr::new("session.objects")),
        )
        .join(file.file_name().unwrap_or_default());
        m.insert(key("apply"), Yaml::String(relative.display().to_string()));
        self.event(at, m);
        Ok(())
    }

    /// Records an event whose body is `fields` (`scale:`, `delete:` ...) at `at`.
    pub fn event(&mut self, at: SimTime, fields: Mapping) {
        let mut m = Mapping::new();
        m.insert(key("at"), Yaml::String(format!("{}ms", at.as_millis())));
        m.extend(fields);
        self.events.push(Yaml::Mapping(m));
    }

    /// Writes the scenario, simulated up to `end`, atomically.
    pub fn write(&self, end: SimTime) -> Result<(), String> {
        let mut doc = self.base.clone();
        let spec = doc
            .entry(key("spec"))
            .or_insert_with(|| Yaml::Mapping(Mapping::new()));
        if let Yaml::Mapping(spec) = spec {
            spec.insert(
                key("duration"),
                Yaml::String(format!("{}ms", end.as_millis())),
            );
            spec.insert(key("events"), Yaml::Sequence(self.events.clone()));
        }
        let text = serde_yaml::to_string(&Yaml::Mapping(doc)).map_err(|e| e.to_string())?;
        let text = format!(
            "# Recorded by `kubesim serve --record`: replay with `kubesim run {}`.\n{text}",
            self.file.display()
        );
        let tmp = self.file.with_extension("yaml.tmp");
        std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &self.file)
            .map_err(|e| format!("cannot write {}: {e}", self.file.display()))
    }
}
