#!/usr/bin/env python3
"""Generates sim-serve/src/protobuf_schema.txt, the schema table of kubesim serve's protobuf
decoder (sim-serve/src/protobuf.rs), from Kubernetes' generated.proto files.

Run on (2026-11-30) these copies, read from the stored index of public repositories:
  kubernetes/kubernetes staging/src/k8s.io/api/.../generated.proto (a 1.36/1.37-era master):
    core/v1 @ 0032f46b5dcb893b0684679408a2da9bd26a0859
    apps/v1 @ 0122c43a017029d0572474da5a6382e1463f9710
    batch/v1 @ 008b3652959ca58af8be3fb5b6ecfe9ae7638282
    scheduling/v1 @ 01d0b7277d400d6aa9fc676abb4826700ec869fe
    discovery/v1 @ 025f2834a128798cef30018a5e6a6ae82b5ad885
    autoscaling/v2 @ 030880a5dc5449403c6d1f0aa146a7dc21d6c6dc
    autoscaling/v1 @ 06726ca7f82742f67b39ac2802abe997082c2723 (the messages
      HorizontalPodAutoscaler reaches)
  kubernetes/kubernetes staging/src/k8s.io/apimachinery/pkg/.../generated.proto:
    runtime @ 203d8ac83844b8ea8ece8ece7630cb22ef8f327d
    api/resource @ 0f9f0907d6dbe57e78d61f3432bf9b63514b540a
    util/intstr @ 009a4a8bc0b3dde74bdce54289f58bf82efaf5e9
  meta/v1 and policy/v1 from the v0.26.0 modules k8s.io/apimachinery and k8s.io/api (mirrors
  spotmaxtech/k8s-apimachinery-v0260 @ 64429bdd, spotmaxtech/k8s-api-v0260 @ 30bf50b6): the
  kubernetes/kubernetes copies stored were older (no managedFields/Condition, no Eviction).
  Fields added to those messages since (DeleteOptions.ignoreStoreReadErrorWithCluster-
  BreakingPotential) are skipped as unknown fields.

Re-run:
  1. save the generated.proto files named in PROTOS into one folder (any copy: comments and
     messages the served kinds do not reach are ignored);
  2. python3 tools/gen_protobuf_schema.py FOLDER > sim-serve/src/protobuf_schema.txt
  3. cargo test -p sim-serve protobuf (every served kind must have a root, every type resolve).

Only names, field numbers and types are taken; the table holds the messages reachable from
ROOTS. Field names are the JSON names (go-to-protobuf names proto fields after the JSON tag),
except embedded Go structs, which JSON inlines: INLINE lists them.
"""

import re
import sys
from pathlib import Path

# file name in the folder -> nothing else needed: each file states its package.
PROTOS = [
    "core_v1.proto",
    "apps_v1.proto",
    "batch_v1.proto",
    "policy_v1.proto",
    "scheduling_v1.proto",
    "discovery_v1.proto",
    "autoscaling_v2.proto",
    "autoscaling_v1.proto",
    "meta_v1.proto",
    "resource.proto",
    "intstr.proto",
    "runtime.proto",
]

# (apiVersion, kind) -> message: the kinds kubesim serves (sim-serve/src/discovery.rs), the
# Eviction subresource body, and DeleteOptions (sent under the client's group version).
ROOTS = [
    ("v1", "Node", "core.v1.Node"),
    ("v1", "Pod", "core.v1.Pod"),
    ("v1", "Service", "core.v1.Service"),
    ("v1", "Namespace", "core.v1.Namespace"),
    ("v1", "ResourceQuota", "core.v1.ResourceQuota"),
    ("v1", "LimitRange", "core.v1.LimitRange"),
    ("v1", "ConfigMap", "core.v1.ConfigMap"),
    ("v1", "Secret", "core.v1.Secret"),
    ("v1", "PersistentVolumeClaim", "core.v1.PersistentVolumeClaim"),
    ("apps/v1", "ReplicaSet", "apps.v1.ReplicaSet"),
    ("apps/v1", "Deployment", "apps.v1.Deployment"),
    ("apps/v1", "StatefulSet", "apps.v1.StatefulSet"),
    ("apps/v1", "DaemonSet", "apps.v1.DaemonSet"),
    ("batch/v1", "Job", "batch.v1.Job"),
    ("batch/v1", "CronJob", "batch.v1.CronJob"),
    ("policy/v1", "PodDisruptionBudget", "policy.v1.PodDisruptionBudget"),
    ("policy/v1", "Eviction", "policy.v1.Eviction"),
    ("scheduling.k8s.io/v1", "PriorityClass", "scheduling.v1.PriorityClass"),
    ("autoscaling/v2", "HorizontalPodAutoscaler", "autoscaling.v2.HorizontalPodAutoscaler"),
    ("autoscaling/v1", "HorizontalPodAutoscaler", "autoscaling.v1.HorizontalPodAutoscaler"),
    ("discovery.k8s.io/v1", "EndpointSlice", "discovery.v1.EndpointSlice"),
    ("*", "DeleteOptions", "meta.v1.DeleteOptions"),
]

# Messages whose JSON form is not an object of their fields: the decoder knows them by name.
SPECIAL = {
    "meta.v1.Time": "time",
    "meta.v1.MicroTime": "microtime",
    "meta.v1.Duration": "duration",
    "meta.v1.FieldsV1": "rawjson",
    "runtime.RawExtension": "rawjson",
    "resource.Quantity": "quantity",
    "intstr.IntOrString": "intorstring",
}

# Embedded Go structs (`json:",inline"`): their fields appear in the parent's JSON object.
INLINE = {
    ("core.v1.ConfigMapEnvSource", "localObjectReference"),
    ("core.v1.ConfigMapKeySelector", "localObjectReference"),
    ("core.v1.ConfigMapProjection", "localObjectReference"),
    ("core.v1.ConfigMapVolumeSource", "localObjectReference"),
    ("core.v1.SecretEnvSource", "localObjectReference"),
    ("core.v1.SecretKeySelector", "localObjectReference"),
    ("core.v1.SecretProjection", "localObjectReference"),
    ("core.v1.EphemeralContainer", "ephemeralContainerCommon"),
    ("core.v1.Probe", "handler"),
    ("core.v1.Volume", "volumeSource"),
}

SCALARS = {"string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float"}

PREFIXES = [
    "k8s.io.api.",
    "k8s.io.apimachinery.pkg.apis.",
    "k8s.io.apimachinery.pkg.api.",
    "k8s.io.apimachinery.pkg.util.",
    "k8s.io.apimachinery.pkg.",
]


def short(full):
    for p in PREFIXES:
        if full.startswith(p):
            return full[len(p):]
    raise SystemExit(f"unexpected package in {full}")


FIELD = re.compile(r"^(optional|repeated|required)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)")
MAP = re.compile(r"^map<\s*(\w+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+)")


def parse(path):
    """Messages of one file: {short name: [(number, name, label, type, map value type)]}."""
    text = re.sub(r"/\*.*?\*/", "", Path(path).read_text(), flags=re.S)
    package = None
    messages = {}
    current = None
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if line.startswith("package "):
            package = line[len("package "):].rstrip(";").strip()
        elif line.startswith("message "):
            if current is not None:
                raise SystemExit(f"{path}: nested message near {line}")
            current = short(package + "." + line.split()[1])
            messages[current] = []
        elif line == "}":
            current = None
        elif current is not None:
            m = MAP.match(line)
            if m:
                messages[current].append((int(m[4]), m[3], "map", m[1], m[2]))
                continue
            f = FIELD.match(line)
            if not f:
                raise SystemExit(f"{path}: cannot read field line {line!r}")
            label = "rep" if f[1] == "repeated" else "opt"
            messages[current].append((int(f[4]), f[3], label, f[2], None))
    return package, messages


def resolve(type_name, package):
    if type_name in SCALARS:
        return type_name
    name = type_name.lstrip(".")
    if "." not in name:
        name = package + "." + name
    return short(name)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    folder = Path(sys.argv[1])
    messages = {}
    packages = {}
    for file in PROTOS:
        package, found = parse(folder / file)
        for name, fields in found.items():
            messages[name] = fields
            packages[name] = package
    out = ["# kubesim serve's protobuf schema: generated by tools/gen_protobuf_schema.py, do not edit.",
           "# root APIVERSION KIND MESSAGE | special MESSAGE FORM | message NAME, then its fields:",
           "# NUMBER JSONNAME opt|rep TYPE [inline] | NUMBER JSONNAME map KEYTYPE VALUETYPE"]
    for api_version, kind, message in ROOTS:
        out.append(f"root {api_version} {kind} {message}")
    seen = set()
    queue = [m for _, _, m in ROOTS]
    body = []
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        if name in SPECIAL:
            body.append((name, [f"special {name} {SPECIAL[name]}"]))
            continue
        if name not in messages:
            raise SystemExit(f"message {name} is reachable but in none of the files")
        lines = [f"message {name}"]
        for number, field, label, type_name, value in sorted(messages[name]):
            t = resolve(type_name, packages[name])
            if label == "map":
                v = resolve(value, packages[name])
                lines.append(f"{number} {field} map {t} {v}")
                if v not in SCALARS:
                    queue.append(v)
                continue
            extra = " inline" if (name, field) in INLINE else ""
            lines.append(f"{number} {field} {label} {t}{extra}")
            if t not in SCALARS:
                queue.append(t)
        body.append((name, lines))
    for (name, field) in INLINE:
        if name not in seen:
            raise SystemExit(f"INLINE names {name}, which no root reaches")
    for _, lines in sorted(body):
        out.extend(lines)
    print("\n".join(out))


if __name__ == "__main__":
    main()
