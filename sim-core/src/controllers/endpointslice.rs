//! The EndpointSlice controller (kube-controller-manager's `endpointslice-controller`,
//! k8s-semantics §11.1–11.2, §3.2 step 1, golden case G11).
//!
//! For every Service with a selector, EndpointSlices list the pods it selects in its
//! namespace that have an IP and are not terminal. Each endpoint's conditions follow the pod:
//! `serving` is the pod's Ready condition, `terminating` is "has a deletionTimestamp", and
//! `ready` is `serving && !terminating` (always true with `publishNotReadyAddresses`). So a
//! pod being deleted leaves traffic at once (`ready=false`) while it may still finish what it
//! serves (`serving` follows its readiness until it is gone).
//!
//! The slices are packed as Kubernetes' reconciler packs them (`reconcileByPortMapping`):
//! endpoints stay in the slice they are in, at most [`MAX_ENDPOINTS_PER_SLICE`] per slice;
//! new ones fill slices that change anyway, fullest first, then the unchanged slice they fit
//! best, then new slices; emptied slices are deleted, or reused for a slice that would be
//! created; a Service with no endpoints keeps one empty placeholder slice. Where Kubernetes
//! takes "any" element of a set, this takes the first in a fixed order, and each slice lists
//! its endpoints sorted by address, so the result is deterministic.
//!
//! Slice names are `<service>-<5 characters>`, drawn from the controller's own seeded stream
//! ([`crate::rng::Stream::EndpointSliceNames`]) as the API server's `generateName` would.
//! Deleting a Service deletes its slices through their owner reference (the garbage
//! collector), as in Kubernetes. ExternalName Services and Services without a selector get
//! nothing from this controller (the slices it made before stay, as Kubernetes leaves them).
//!
//! Not modelled: named `targetPort`s (pods' container ports are not modelled, so a name
//! never resolves and, as for a pod that declares no such port, the port is left out of the
//! slice), dual-stack (slices are IPv4), hostnames of headless Services, topology hints.

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::objects::{
    AddressType, ClusterIp, Endpoint, EndpointConditions, EndpointPort, EndpointSlice,
    EndpointTargetRef, Ipv4Address, Kind, Node, ObjectKey, ObjectMeta, ObjectRef, OwnerReference,
    Pod, Service, ServiceType, TargetPort, Uid,
};
use crate::store::{Change, ChangeType, Store, NAME_ALPHABET};

use super::{Action, Context, Controller, ReconcileError};

/// `--max-endpoints-per-slice`, the default (k8s-semantics §11.2).
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;
/// Label naming the Service a slice belongs to.
pub const LABEL_SERVICE_NAME: &str = "kubernetes.io/service-name";
/// Label naming the controller that manages a slice.
pub const LABEL_MANAGED_BY: &str = "endpointslice.kubernetes.io/managed-by";
/// The value of [`LABEL_MANAGED_BY`] on this controller's slices.
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
/// Label (empty value) on the slices of a Service without a clusterIP.
pub const LABEL_HEADLESS: &str = "service.kubernetes.io/headless";
/// The node label copied to `endpoints[].zone`.
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";

/// Longest `generateName` prefix the API server keeps (63 − 5 random characters).
const MAX_GENERATED_PREFIX: usize = 58;

/// The facts about a pod that decide its endpoint, compared as Kubernetes'
/// `podEndpointsChanged` compares an old and a new pod: a pod change that leaves them (and
/// the set of Services selecting the pod) as they were wakes nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EndpointInputs {
    pod_ip: Option<String>,
    ready: bool,
    terminating: bool,
    terminal: bool,
    node_name: Option<String>,
}

impl EndpointInputs {
    fn of(pod: &Pod) -> EndpointInputs {
        EndpointInputs {
            pod_ip: pod.status.pod_ip.clone(),
            ready: pod.is_ready(),
            terminating: pod.meta.deletion_timestamp.is_some(),
            terminal: pod.status.phase.is_terminal(),
            node_name: pod.spec.node_name.clone(),
        }
    }

    /// `self == EndpointInputs::of(pod)`, without allocating.
    fn matches(&self, pod: &Pod) -> bool {
        self.pod_ip == pod.status.pod_ip
            && self.ready == pod.is_ready()
            && self.terminating == pod.meta.deletion_timestamp.is_some()
            && self.terminal == pod.status.phase.is_terminal()
            && self.node_name == pod.spec.node_name
    }
}

/// A pod as the last reconciles that selected it saw it.
#[derive(Debug)]
struct SeenPod {
    inputs: EndpointInputs,
    services: BTreeSet<ObjectKey>,
}

/// The controller. Its state is a cache of what reconciles saw, used only to skip wake-ups
/// that cannot change a slice; slices are always rebuilt from the store.
#[derive(Debug)]
pub struct EndpointSliceController {
    names: ChaCha8Rng,
    seen: BTreeMap<Uid, SeenPod>,
    selected: BTreeMap<ObjectKey, BTreeSet<Uid>>,
}

impl EndpointSliceController {
    /// A controller drawing slice-name suffixes from `names`.
    pub fn new(names: ChaCha8Rng) -> EndpointSliceController {
        EndpointSliceController {
            names,
            seen: BTreeMap::new(),
            selected: BTreeMap::new(),
        }
    }

    fn watch_pod(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        let seen = self.seen.get(&change.uid);
        let pod = store
            .get::<Pod>(&change.key)
            .filter(|p| p.meta.uid == change.uid && change.change_type != ChangeType::Deleted);
        let mut services: BTreeSet<ObjectKey> =
            seen.map(|s| s.services.clone()).unwrap_or_default();
        if let Some(pod) = pod {
            let selecting: BTreeSet<ObjectKey> = store
                .list_namespace::<Service>(&pod.meta.namespace)
                .filter(|s| s.selects(&pod.meta.labels))
                .map(|s| s.meta.key())
                .collect();
            let unchanged = seen.is_some_and(|s| s.inputs.matches(pod) && s.services == selecting);
            if unchanged {
                return;
            }
            services.extend(selecting);
        }
        wake.extend(
            services
                .into_iter()
                .map(|k| ObjectRef::new(Kind::Service, k)),
        );
    }

    /// Drops what the cache knows about `service` (deleted, or no longer managed).
    fn forget(&mut self, service: &ObjectKey) {
        let Some(uids) = self.selected.remove(service) else {
            return;
        };
        for uid in uids {
            self.unsee(uid, service);
        }
    }

    fn unsee(&mut self, uid: Uid, service: &ObjectKey) {
        if let Some(seen) = self.seen.get_mut(&uid) {
            seen.services.remove(service);
            if seen.services.is_empty() {
                self.seen.remove(&uid);
            }
        }
    }

    /// The endpoints `service` should have, grouped by their resolved ports, borrowed from
    /// the store; records in the cache which pods it selects and how they look.
    fn desired_endpoints<'a>(
        &mut self,
        store: &'a Store,
        service: &'a Service,
    ) -> BTreeMap<PortKey, Group<'a>> {
        let service_key = service.meta.key();
        let mut selected = BTreeSet::new();
        let mut nodes: BTreeMap<&str, Option<&Node>> = BTreeMap::new();
        let mut endpoints = BTreeMap::new();
        for pod in store.list_namespace::<Pod>(&service.meta.namespace) {
            if !service.selects(&pod.meta.labels) {
                continue;
            }
            selected.insert(pod.meta.uid);
            match self.seen.get_mut(&pod.meta.uid) {
                Some(seen) => {
                    if !seen.inputs.matches(pod) {
                        seen.inputs = EndpointInputs::of(pod);
                    }
                    if !seen.services.contains(&service_key) {
                        seen.services.insert(service_key.clone());
                    }
                }
                None => {
                    let seen = SeenPod {
                        inputs: EndpointInputs::of(pod),
                        services: BTreeSet::from([service_key.clone()]),
                    };
                    self.seen.insert(pod.meta.uid, seen);
                }
            }
            let node = pod.spec.node_name.as_deref().and_then(|name| {
                *nodes
                    .entry(name)
                    .or_insert_with(|| store.get::<Node>(&ObjectKey::cluster(name)))
            });
            if let Some(desired) = Desired::of(service, pod, node) {
                endpoints.insert(pod.meta.uid, desired);
            }
        }
        let before = self.selected.remove(&service_key).unwrap_or_default();
        for uid in before.difference(&selected) {
            self.unsee(*uid, &service_key);
        }
        self.selected.insert(service_key, selected);
        // Every pod resolves the Service's ports alike while container ports are not
        // modelled (see `endpoint_ports`), so there is one group; the grouping stays so that
        // slices are matched by their ports as Kubernetes matches them.
        let mut groups = BTreeMap::new();
        if !endpoints.is_empty() {
            let ports = endpoint_ports(service);
            groups.insert(port_key(&ports), Group { ports, endpoints });
        }
        groups
    }

    /// `<service>-` and five characters of Kubernetes' name alphabet, not taken in the
    /// namespace.
    fn generate_name(&mut self, store: &Store, service: &Service) -> String {
        let mut prefix = format!("{}-", service.meta.name);
        prefix.truncate(MAX_GENERATED_PREFIX);
        let mut name = String::new();
        // A collision is retried, as the API server retries generateName; 27^5 names make
        // more than a few tries astronomically unlikely.
        for _ in 0..64 {
            name.clone_from(&prefix);
            for _ in 0..5 {
                let i = self.names.random_range(0..NAME_ALPHABET.len() as u32) as usize;
                name.push(char::from(NAME_ALPHABET[i]));
            }
            let key = ObjectKey::new(service.meta.namespace.clone(), name.clone());
            if store.get::<EndpointSlice>(&key).is_none() {
                break;
            }
        }
        name
    }
}

impl Controller for EndpointSliceController {
    fn name(&self) -> &'static str {
        "endpointslice-controller"
    }

    fn watches(&self, change: &Change, store: &Store, wake: &mut Vec<ObjectRef>) {
        match change.kind {
            Kind::Service => wake.push(ObjectRef::new(Kind::Service, change.key.clone())),
            // A slice of a Service deleted by someone else is put back; the controller's own
            // writes need no answer.
            Kind::EndpointSlice if change.change_type == ChangeType::Deleted => {
                if let Some((Kind::Service, name)) = &change.controller_owner {
                    wake.push(ObjectRef::new(
                        Kind::Service,
                        ObjectKey::new(change.key.namespace.clone(), name.clone()),
                    ));
                }
            }
            Kind::Pod => self.watch_pod(change, store, wake),
            _ => {}
        }
    }

    fn reconcile(
        &mut self,
        key: &ObjectRef,
        ctx: &mut Context<'_>,
    ) -> Result<Action, ReconcileError> {
        let Some(service) = ctx.store.get::<Service>(&key.key).cloned() else {
            self.forget(&key.key);
            return Ok(Action::AwaitChange);
        };
        if service.spec.type_ == ServiceType::ExternalName || service.spec.selector.is_empty() {
            self.forget(&key.key);
            return Ok(Action::AwaitChange);
        }
        let plan = {
            let store: &Store = ctx.store;
            let desired = self.desired_endpoints(store, &service);
            let existing: Vec<&EndpointSlice> = store
                .list_namespace::<EndpointSlice>(&service.meta.namespace)
                .filter(|s| {
                    s.meta.labels.get(LABEL_SERVICE_NAME) == Some(&service.meta.name)
                        && s.meta.labels.get(LABEL_MANAGED_BY).map(String::as_str)
                            == Some(CONTROLLER_NAME)
                })
                .collect();
            plan_slices(&service, existing, desired)
        };
        for mut slice in plan.create {
            slice.meta.name = self.generate_name(ctx.store, &service);
            ctx.store.create(slice)?;
        }
        for slice in plan.update {
            let key = slice.meta.key();
            let current = ctx.store.get::<EndpointSlice>(&key);
            if current.is_some_and(|c| same_content(c, &slice)) {
                continue;
            }
            ctx.store.modify::<EndpointSlice, _>(&key, true, |s| {
                s.meta.labels = slice.meta.labels;
                s.meta.owner_references = slice.meta.owner_references;
                s.address_type = slice.address_type;
                s.endpoints = slice.endpoints;
                s.ports = slice.ports;
            })?;
        }
        for key in plan.delete {
            ctx.store.delete::<EndpointSlice>(&key)?;
        }
        Ok(Action::AwaitChange)
    }
}

/// The ports of a slice in a canonical order, to group slices (`NewPortMapKey`).
type PortKey = Vec<EndpointPort>;

/// The desired endpoints that share one set of ports.
#[derive(Debug)]
struct Group<'a> {
    /// In the Service's port order, as a new slice lists them.
    ports: Vec<EndpointPort>,
    /// By pod uid, which is also the order new endpoints are placed in.
    endpoints: BTreeMap<Uid, Desired<'a>>,
}

/// The endpoint a pod should have (`podToEndpoint`), read from the store without copying
/// until it is written: most reconciles change one endpoint and compare the others.
#[derive(Debug, Clone, Copy)]
struct Desired<'a> {
    pod: &'a Pod,
    /// The pod IP as written (an IPv4 address).
    address: &'a str,
    zone: Option<&'a str>,
    conditions: EndpointConditions,
}

impl<'a> Desired<'a> {
    /// The endpoint of `pod`, if `ShouldPodBeInEndpoints` (with terminating pods included):
    /// not terminal, with an IPv4 address. A pod whose Node is gone is skipped unless the
    /// Service publishes not-ready addresses; its removal by the pod GC wakes the Service.
    fn of(service: &Service, pod: &'a Pod, node: Option<&'a Node>) -> Option<Desired<'a>> {
        if pod.status.phase.is_terminal() {
            return None;
        }
        let address = pod.status.pod_ip.as_deref()?;
        // An IPv4 slice takes IPv4 addresses only (`getEndpointAddresses`).
        Ipv4Address::parse(address)?;
        let publish = service.spec.publish_not_ready_addresses;
        if pod.spec.node_name.is_some() && node.is_none() && !publish {
            return None;
        }
        let serving = pod.is_ready();
        let terminating = pod.meta.deletion_timestamp.is_some();
        Some(Desired {
            pod,
            address,
            zone: node
                .and_then(|n| n.meta.labels.get(LABEL_ZONE))
                .map(String::as_str),
            conditions: EndpointConditions {
                ready: publish || (serving && !terminating),
                serving,
                terminating,
            },
        })
    }

    /// Whether `endpoint` is this one: the same pod at the same address. (Kubernetes hashes
    /// the address and the pod's namespace and name; the uid names the pod as well.)
    fn same_endpoint(&self, endpoint: &Endpoint) -> bool {
        endpoint.addresses.len() == 1
            && endpoint.addresses[0] == self.address
            && endpoint.target_ref.as_ref().map(|r| r.uid) == Some(self.pod.meta.uid)
    }

    /// Whether `endpoint` already says what this one says.
    fn matches(&self, endpoint: &Endpoint) -> bool {
        let pod = self.pod;
        self.same_endpoint(endpoint)
            && endpoint.conditions == self.conditions
            && endpoint.node_name == pod.spec.node_name
            && endpoint.zone.as_deref() == self.zone
            && endpoint.target_ref.as_ref().is_some_and(|r| {
                r.uid == pod.meta.uid
                    && r.name == pod.meta.name
                    && r.namespace == pod.meta.namespace
            })
    }

    fn to_endpoint(self) -> Endpoint {
        let pod = self.pod;
        Endpoint {
            addresses: vec![self.address.to_string()],
            conditions: self.conditions,
            node_name: pod.spec.node_name.clone(),
            zone: self.zone.map(str::to_string),
            target_ref: Some(EndpointTargetRef {
                namespace: pod.meta.namespace.clone(),
                name: pod.meta.name.clone(),
                uid: pod.meta.uid,
            }),
        }
    }
}

fn port_key(ports: &[EndpointPort]) -> PortKey {
    let mut key = ports.to_vec();
    key.sort();
    key
}

/// The order endpoints are listed in within a slice: by address, then pod.
fn endpoint_order(endpoint: &Endpoint) -> (Option<Ipv4Address>, Option<Uid>) {
    let address = endpoint
        .addresses
        .first()
        .and_then(|a| Ipv4Address::parse(a));
    (address, endpoint.target_ref.as_ref().map(|r| r.uid))
}

/// The desired endpoint that `endpoint` (of an existing slice) stands for, if any.
fn desired_for<'m, 'a>(
    remaining: &'m BTreeMap<Uid, Desired<'a>>,
    endpoint: &Endpoint,
) -> Option<&'m Desired<'a>> {
    let uid = endpoint.target_ref.as_ref()?.uid;
    remaining
        .get(&uid)
        .filter(|want| want.same_endpoint(endpoint))
}

/// `getEndpointPorts`: each Service port resolved to a number. A named targetPort is looked
/// up in the pod's container ports, which kubesim does not model, so it never resolves and
/// the port is left out, as Kubernetes leaves it out for a pod without such a port.
fn endpoint_ports(service: &Service) -> Vec<EndpointPort> {
    service
        .spec
        .ports
        .iter()
        .filter_map(|p| match &p.target_port {
            TargetPort::Number(port) => Some(EndpointPort {
                name: p.name.clone(),
                protocol: p.protocol,
                port: *port,
                app_protocol: p.app_protocol.clone(),
            }),
            TargetPort::Name(_) => None,
        })
        .collect()
}

/// `setEndpointSliceLabels`: the Service's labels, then the reserved ones.
fn slice_labels(service: &Service) -> BTreeMap<String, String> {
    let reserved = [LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS];
    let mut labels: BTreeMap<String, String> = service
        .meta
        .labels
        .iter()
        .filter(|(k, _)| !reserved.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !matches!(service.spec.cluster_ip, ClusterIp::Address(_)) {
        labels.insert(LABEL_HEADLESS.to_string(), String::new());
    }
    labels.insert(LABEL_SERVICE_NAME.to_string(), service.meta.name.clone());
    labels.insert(LABEL_MANAGED_BY.to_string(), CONTROLLER_NAME.to_string());
    labels
}

fn owned_by(slice: &EndpointSlice, service: &Service) -> bool {
    slice
        .meta
        .owner_references
        .iter()
        .any(|r| r.kind == Kind::Service && r.uid == service.meta.uid)
}

/// `newEndpointSlice`: unnamed (a name is generated on create), owned by the Service.
fn new_slice(
    service: &Service,
    labels: &BTreeMap<String, String>,
    ports: Vec<EndpointPort>,
) -> EndpointSlice {
    EndpointSlice {
        meta: ObjectMeta {
            namespace: service.meta.namespace.clone(),
            labels: labels.clone(),
            owner_references: vec![OwnerReference {
                kind: Kind::Service,
                name: service.meta.name.clone(),
                uid: service.meta.uid,
                controller: true,
                block_owner_deletion: true,
            }],
            ..ObjectMeta::default()
        },
        address_type: AddressType::IPv4,
        endpoints: Vec::new(),
        ports,
    }
}

/// Whether two slices hold the same thing (metadata the store assigns aside).
fn same_content(a: &EndpointSlice, b: &EndpointSlice) -> bool {
    a.meta.labels == b.meta.labels
        && a.meta.owner_references == b.meta.owner_references
        && a.address_type == b.address_type
        && a.endpoints == b.endpoints
        && a.ports == b.ports
}

/// What one reconcile writes.
#[derive(Debug, Default)]
struct Plan {
    /// New slices, unnamed.
    create: Vec<EndpointSlice>,
    /// Existing slices with their new content.
    update: Vec<EndpointSlice>,
    /// Slices to delete.
    delete: Vec<ObjectKey>,
}

/// `reconcileByAddressType` and `finalize` for the IPv4 slices of `service`.
fn plan_slices(
    service: &Service,
    existing: Vec<&EndpointSlice>,
    desired: BTreeMap<PortKey, Group<'_>>,
) -> Plan {
    let labels = slice_labels(service);
    let existing_count = existing.len();
    let mut delete: Vec<&EndpointSlice> = Vec::new();
    let mut by_ports: BTreeMap<PortKey, Vec<&EndpointSlice>> = BTreeMap::new();
    for slice in existing {
        if owned_by(slice, service) {
            by_ports
                .entry(port_key(&slice.ports))
                .or_default()
                .push(slice);
        } else {
            // Left behind by an earlier Service of the same name.
            delete.push(slice);
        }
    }
    let mut plan = Plan::default();
    for (key, group) in desired {
        let slices = by_ports.remove(&key).unwrap_or_default();
        plan_port_group(service, &labels, slices, group, &mut plan, &mut delete);
    }
    // Port sets no longer wanted.
    delete.extend(by_ports.into_values().flatten());

    // A Service with no endpoints at all keeps one empty placeholder slice.
    if existing_count == delete.len() && plan.create.is_empty() {
        let placeholder = new_slice(service, &labels, Vec::new());
        let keep = delete.len() == 1
            && delete[0].meta.namespace == placeholder.meta.namespace
            && same_content(delete[0], &placeholder);
        if keep {
            delete.clear();
        } else {
            plan.create.push(placeholder);
        }
    }

    // Slices to create and slices to delete become updates of the latter.
    let mut i = 0;
    while i < delete.len() && !plan.create.is_empty() {
        if owned_by(delete[i], service) {
            let old = delete.remove(i);
            if let Some(mut slice) = plan.create.pop() {
                slice.meta = ObjectMeta {
                    labels: slice.meta.labels,
                    owner_references: slice.meta.owner_references,
                    ..old.meta.clone()
                };
                plan.update.push(slice);
            }
        } else {
            i += 1;
        }
    }
    plan.delete = delete.iter().map(|s| s.meta.key()).collect();
    for slice in plan.create.iter_mut().chain(plan.update.iter_mut()) {
        slice.endpoints.sort_by_cached_key(endpoint_order);
    }
    plan
}

/// `reconcileByPortMapping`: keeps endpoints where they are, fills slices that change
/// anyway, then the best-fitting unchanged slice, then new slices.
fn plan_port_group<'a>(
    service: &Service,
    labels: &BTreeMap<String, String>,
    slices: Vec<&'a EndpointSlice>,
    group: Group<'_>,
    plan: &mut Plan,
    delete: &mut Vec<&'a EndpointSlice>,
) {
    let mut remaining = group.endpoints;
    let mut changed: Vec<EndpointSlice> = Vec::new();
    let mut unchanged: Vec<&EndpointSlice> = Vec::new();
    // 1. Drop endpoints no longer desired, refresh those that changed. A slice is copied
    //    only if something in it changes.
    for slice in slices {
        let current = slice
            .endpoints
            .iter()
            .all(|e| desired_for(&remaining, e).is_some_and(|want| want.matches(e)));
        if current {
            for endpoint in &slice.endpoints {
                if let Some(r) = &endpoint.target_ref {
                    remaining.remove(&r.uid);
                }
            }
            if slice.meta.labels == *labels {
                unchanged.push(slice);
            } else {
                let mut slice = slice.clone();
                slice.meta.labels.clone_from(labels);
                changed.push(slice);
            }
            continue;
        }
        let mut kept = Vec::with_capacity(slice.endpoints.len());
        for endpoint in &slice.endpoints {
            let Some(want) = desired_for(&remaining, endpoint).copied() else {
                continue;
            };
            remaining.remove(&want.pod.meta.uid);
            kept.push(if want.matches(endpoint) {
                endpoint.clone()
            } else {
                want.to_endpoint()
            });
        }
        if kept.is_empty() {
            delete.push(slice);
        } else {
            changed.push(EndpointSlice {
                meta: ObjectMeta {
                    labels: labels.clone(),
                    ..slice.meta.clone()
                },
                address_type: slice.address_type,
                endpoints: kept,
                ports: slice.ports.clone(),
            });
        }
    }
    // 2. Fill the slices that change anyway, fullest first.
    if !remaining.is_empty() && !changed.is_empty() {
        changed.sort_by(|a, b| {
            b.endpoints
                .len()
                .cmp(&a.endpoints.len())
                .then_with(|| a.meta.name.cmp(&b.meta.name))
        });
        for slice in &mut changed {
            fill(slice, &mut remaining);
        }
    }
    // 3. The rest: into the unchanged slice closest to full that takes them all, or new ones.
    while !remaining.is_empty() {
        let reuse = if remaining.len() < MAX_ENDPOINTS_PER_SLICE {
            slice_to_fill(&unchanged, remaining.len())
        } else {
            None
        };
        let mut slice = match reuse {
            Some(i) => unchanged.remove(i).clone(),
            None => new_slice(service, labels, group.ports.clone()),
        };
        fill(&mut slice, &mut remaining);
        if slice.meta.name.is_empty() {
            plan.create.push(slice);
        } else {
            changed.push(slice);
        }
    }
    plan.update.extend(changed);
}

fn fill(slice: &mut EndpointSlice, remaining: &mut BTreeMap<Uid, Desired<'_>>) {
    while slice.endpoints.len() < MAX_ENDPOINTS_PER_SLICE {
        let Some((_, desired)) = remaining.pop_first() else {
            break;
        };
        slice.endpoints.push(desired.to_endpoint());
    }
}

/// `getSliceToFill`: the slice that is closest to full once `count` endpoints are added.
fn slice_to_fill(slices: &[&EndpointSlice], count: usize) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, slice) in slices.iter().enumerate() {
        let Some(room) = MAX_ENDPOINTS_PER_SLICE.checked_sub(count + slice.endpoints.len()) else {
            continue;
        };
        if best.is_none_or(|(_, best_room)| room < best_room) {
            best = Some((i, room));
            if room == 0 {
                break;
            }
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controllers::GarbageCollector;
    use crate::objects::{
        ConditionStatus, PodConditionType, PodPhase, PodSpec, PodStatus, Protocol, RestartPolicy,
        ServicePort, ServiceSpec, SessionAffinity, TrafficPolicy,
    };
    use crate::rng::{RngStreams, Stream};
    use crate::store::DeleteOptions;
    use crate::time::SimTime;
    use crate::timeline::RecordBody;

    /// The store and the two controllers that matter here, dispatched like the simulation
    /// dispatches them (every change to every watcher, reconciles until quiet).
    struct Cluster {
        store: Store,
        controllers: Vec<Box<dyn Controller>>,
        rng: ChaCha8Rng,
        now: SimTime,
        reconciles: usize,
    }

    impl Cluster {
        fn new(seed: u64) -> Cluster {
            let streams = RngStreams::new(seed);
            let mut store = Store::new(streams.stream(Stream::ObjectNames));
            let zone = BTreeMap::from([(LABEL_ZONE.to_string(), "zone-a".to_string())]);
            store
                .create(Node {
                    meta: ObjectMeta {
                        name: "node-1".to_string(),
                        labels: zone,
                        ..ObjectMeta::default()
                    },
                    unschedulable: false,
                    taints: Vec::new(),
                    capacity: Default::default(),
                    allocatable: Default::default(),
                    ready: ConditionStatus::True,
                    images: Vec::new(),
                    memory_pressure: crate::objects::ConditionStatus::False,
                    health: Default::default(),
                })
                .expect("node");
            Cluster {
                store,
                controllers: vec![
                    Box::new(EndpointSliceController::new(
                        streams.stream(Stream::EndpointSliceNames),
                    )),
                    Box::new(GarbageCollector),
                ],
                rng: streams.stream(Stream::Controllers),
                now: SimTime::ZERO,
                reconciles: 0,
            }
        }

        fn settle(&mut self) {
            for _ in 0..100 {
                let mut changes = Vec::new();
                self.store.drain_changes(&mut changes);
                if changes.is_empty() {
                    return;
                }
                let mut wake: BTreeSet<(usize, ObjectRef)> = BTreeSet::new();
                for change in &changes {
                    for (i, controller) in self.controllers.iter().enumerate() {
                        let mut keys = Vec::new();
                        controller.watches(change, &self.store, &mut keys);
                        wake.extend(keys.into_iter().map(|k| (i, k)));
                    }
                }
                for (i, key) in wake {
                    let mut ctx = Context {
                        store: &mut self.store,
                        now: self.now,
                        rng: &mut self.rng,
                    };
                    self.controllers[i]
                        .reconcile(&key, &mut ctx)
                        .expect("reconcile");
                    self.reconciles += 1;
                }
            }
            panic!("the controllers do not settle");
        }

        fn at(&mut self, secs: u64) {
            self.now = SimTime::ZERO + crate::time::SimDuration::from_secs(secs);
            self.store.set_context(self.now, None);
        }

        fn add_service(&mut self, name: &str, edit: impl FnOnce(&mut ServiceSpec)) {
            let mut spec = ServiceSpec {
                type_: ServiceType::ClusterIP,
                selector: BTreeMap::from([("app".to_string(), name.to_string())]),
                ports: vec![ServicePort {
                    name: String::new(),
                    protocol: Protocol::Tcp,
                    port: 80,
                    target_port: TargetPort::Number(8080),
                    node_port: None,
                    app_protocol: None,
                }],
                cluster_ip: ClusterIp::Unset,
                external_ips: Vec::new(),
                external_name: String::new(),
                publish_not_ready_addresses: false,
                session_affinity: SessionAffinity::None,
                external_traffic_policy: None,
                internal_traffic_policy: Some(TrafficPolicy::Cluster),
                allocate_load_balancer_node_ports: None,
            };
            edit(&mut spec);
            self.store
                .create(Service {
                    meta: ObjectMeta {
                        name: name.to_string(),
                        namespace: "default".to_string(),
                        ..ObjectMeta::default()
                    },
                    spec,
                })
                .expect("service");
        }

        /// A running pod of `app` on node-1; `ip` and readiness as given.
        fn add_pod(&mut self, name: &str, app: &str, ip: Option<&str>, ready: bool) {
            let mut status = PodStatus {
                phase: PodPhase::Running,
                pod_ip: ip.map(str::to_string),
                ..PodStatus::default()
            };
            status.set_condition(
                PodConditionType::Ready,
                ConditionStatus::from_bool(ready),
                "",
                "",
                self.now,
            );
            self.store
                .create(Pod {
                    meta: ObjectMeta {
                        name: name.to_string(),
                        namespace: "default".to_string(),
                        labels: BTreeMap::from([("app".to_string(), app.to_string())]),
                        ..ObjectMeta::default()
                    },
                    spec: PodSpec {
                        node_name: Some("node-1".to_string()),
                        scheduler_name: "default-scheduler".to_string(),
                        node_selector: BTreeMap::new(),
                        tolerations: Vec::new(),
                        init_containers: Vec::new(),
                        containers: Vec::new(),
                        restart_policy: RestartPolicy::Always,
                        termination_grace_period_seconds: 30,
                        priority: 0,
                        priority_class_name: String::new(),
                        preemption_policy: Default::default(),
                        active_deadline_seconds: None,
                        affinity: None,
                        volumes: vec![],
                        hostname: None,
                        subdomain: None,
                        topology_spread_constraints: vec![],
                    },
                    status,
                })
                .expect("pod");
        }

        fn pod(&mut self, name: &str, edit: impl FnOnce(&mut Pod)) {
            let key = ObjectKey::new("default", name);
            self.store.modify::<Pod, _>(&key, false, edit).expect("pod");
        }

        fn set_ready(&mut self, name: &str, ready: bool) {
            let now = self.now;
            self.pod(name, |p| {
                p.status.set_condition(
                    PodConditionType::Ready,
                    ConditionStatus::from_bool(ready),
                    "",
                    "",
                    now,
                );
            });
        }

        fn slices(&self, service: &str) -> Vec<&EndpointSlice> {
            self.store
                .list_namespace::<EndpointSlice>("default")
                .filter(|s| {
                    s.meta.labels.get(LABEL_SERVICE_NAME).map(String::as_str) == Some(service)
                })
                .collect()
        }

        /// The only endpoint of `service`'s only slice.
        fn endpoint(&self, service: &str) -> Endpoint {
            let slices = self.slices(service);
            assert_eq!(slices.len(), 1, "{slices:?}");
            assert_eq!(slices[0].endpoints.len(), 1, "{:?}", slices[0]);
            slices[0].endpoints[0].clone()
        }

        fn conditions(&self, service: &str) -> (bool, bool, bool) {
            let c = self.endpoint(service).conditions;
            (c.ready, c.serving, c.terminating)
        }

        /// The Changed records of endpoint slices, as `field: from -> to`.
        fn slice_changes(&self) -> Vec<String> {
            self.store
                .timeline()
                .records()
                .iter()
                .filter(|r| r.object.kind == Kind::EndpointSlice)
                .filter_map(|r| match &r.body {
                    RecordBody::Changed { field, from, to } => {
                        Some(format!("{field}: {from} -> {to}"))
                    }
                    _ => None,
                })
                .collect()
        }
    }

    /// §11.1: an endpoint is listed as soon as the pod has an IP, `ready=false` until the pod
    /// is Ready; then it follows readiness both ways.
    #[test]
    fn endpoint_follows_pod_readiness() {
        let mut c = Cluster::new(1);
        c.add_service("web", |_| {});
        c.add_pod("web-1", "web", None, false);
        c.settle();
        // No IP yet: only the placeholder slice.
        let slices = c.slices("web");
        assert_eq!(slices.len(), 1);
        assert!(slices[0].endpoints.is_empty() && slices[0].ports.is_empty());
        let placeholder = slices[0].meta.name.clone();
        assert!(
            placeholder.starts_with("web-") && placeholder.len() == 9,
            "{placeholder}"
        );

        c.at(1);
        c.pod("web-1", |p| {
            p.status.pod_ip = Some("10.244.0.5".to_string())
        });
        c.settle();
        assert_eq!(c.conditions("web"), (false, false, false));
        let slice = c.slices("web")[0].clone();
        assert_eq!(slice.meta.name, placeholder, "the placeholder is reused");
        assert_eq!(
            slice.ports,
            [EndpointPort {
                name: String::new(),
                protocol: Protocol::Tcp,
                port: 8080,
                app_protocol: None,
            }]
        );
        let endpoint = c.endpoint("web");
        assert_eq!(endpoint.addresses, ["10.244.0.5"]);
        assert_eq!(endpoint.node_name.as_deref(), Some("node-1"));
        assert_eq!(endpoint.zone.as_deref(), Some("zone-a"));
        assert_eq!(
            endpoint.target_ref.map(|r| r.name),
            Some("web-1".to_string())
        );

        c.at(10);
        c.set_ready("web-1", true);
        c.settle();
        assert_eq!(c.conditions("web"), (true, true, false));
        c.at(20);
        c.set_ready("web-1", false);
        c.settle();
        assert_eq!(c.conditions("web"), (false, false, false));

        // Each condition change is a record of its own.
        let changes = c.slice_changes();
        assert!(
            changes.contains(&"endpoints: <unset> -> 10.244.0.5".to_string()),
            "{changes:?}"
        );
        assert!(
            changes.contains(&"endpoints[10.244.0.5].conditions.ready: false -> true".to_string())
        );
        assert!(changes
            .contains(&"endpoints[10.244.0.5].conditions.serving: true -> false".to_string()));
    }

    /// G11 and §3.2 step 1: at the instant of a graceful delete the endpoint becomes
    /// `ready=false, terminating=true` while `serving` keeps following readiness (§11.1); when
    /// the pod object goes, so does the endpoint.
    #[test]
    fn g11_deleted_pod_leaves_traffic_at_once_but_keeps_serving() {
        let mut c = Cluster::new(1);
        c.add_service("web", |_| {});
        c.add_pod("web-1", "web", Some("10.244.0.5"), true);
        c.settle();
        assert_eq!(c.conditions("web"), (true, true, false));

        let outcome = c
            .store
            .delete_pod(
                &ObjectKey::new("default", "web-1"),
                DeleteOptions::default(),
            )
            .expect("delete");
        assert_eq!(outcome, crate::store::DeleteOutcome::Terminating);
        c.settle();
        assert_eq!(c.conditions("web"), (false, true, true));
        let changes = c.slice_changes();
        assert!(
            changes.contains(&"endpoints[10.244.0.5].conditions.ready: true -> false".to_string())
        );
        assert!(changes
            .contains(&"endpoints[10.244.0.5].conditions.terminating: false -> true".to_string()));

        // Readiness failing during termination takes `serving` with it.
        c.at(5);
        c.set_ready("web-1", false);
        c.settle();
        assert_eq!(c.conditions("web"), (false, false, true));

        // KILL at 30 s; the kubelet removes the object.
        c.at(30);
        c.store
            .remove::<Pod>(&ObjectKey::new("default", "web-1"))
            .expect("remove");
        c.settle();
        let slices = c.slices("web");
        assert_eq!(slices.len(), 1, "a placeholder stays");
        assert!(slices[0].endpoints.is_empty() && slices[0].ports.is_empty());
        assert!(c
            .slice_changes()
            .contains(&"endpoints: 10.244.0.5 -> <unset>".to_string()));
    }

    /// §11.1: with `publishNotReadyAddresses` an endpoint is always `ready`; `serving` and
    /// `terminating` still tell the truth.
    #[test]
    fn publish_not_ready_addresses_keeps_endpoints_ready() {
        let mut c = Cluster::new(1);
        c.add_service("db", |s| {
            s.publish_not_ready_addresses = true;
            s.cluster_ip = ClusterIp::Headless;
        });
        c.add_pod("db-0", "db", Some("10.244.0.7"), false);
        c.settle();
        assert_eq!(c.conditions("db"), (true, false, false));
        assert_eq!(
            c.slices("db")[0]
                .meta
                .labels
                .get(LABEL_HEADLESS)
                .map(String::as_str),
            Some("")
        );
        c.store
            .delete_pod(&ObjectKey::new("default", "db-0"), DeleteOptions::default())
            .expect("delete");
        c.settle();
        assert_eq!(c.conditions("db"), (true, false, true));
    }

    /// §11.1: terminal pods are not endpoints, whatever their readiness; pods of another
    /// namespace or with other labels never were.
    #[test]
    fn terminal_and_unselected_pods_are_dropped() {
        let mut c = Cluster::new(1);
        c.add_service("web", |_| {});
        c.add_pod("web-1", "web", Some("10.244.0.5"), true);
        c.add_pod("web-2", "web", Some("10.244.0.6"), true);
        c.add_pod("api-1", "api", Some("10.244.0.9"), true);
        c.settle();
        assert_eq!(c.slices("web")[0].endpoints.len(), 2);
        c.pod("web-2", |p| p.status.phase = PodPhase::Failed);
        c.settle();
        assert_eq!(c.endpoint("web").addresses, ["10.244.0.5"]);
        c.pod("web-1", |p| p.status.phase = PodPhase::Succeeded);
        c.settle();
        let slices = c.slices("web");
        assert_eq!(slices.len(), 1);
        assert!(slices[0].endpoints.is_empty());
        // A relabelled pod joins.
        c.pod("api-1", |p| {
            p.meta.labels.insert("app".to_string(), "web".to_string());
        });
        c.settle();
        assert_eq!(c.endpoint("web").addresses, ["10.244.0.9"]);
    }

    /// §11.2: at most 100 endpoints per slice; endpoints stay where they are when others
    /// come and go, and slices list them in address order.
    #[test]
    fn more_than_100_endpoints_split_into_slices() {
        let mut c = Cluster::new(1);
        c.add_service("web", |_| {});
        for i in 0..150 {
            let ip = format!("10.244.{}.{}", i / 100, i % 100 + 1);
            c.add_pod(&format!("web-{i:03}"), "web", Some(&ip), true);
        }
        c.settle();
        let slices = c.slices("web");
        let mut sizes: Vec<usize> = slices.iter().map(|s| s.endpoints.len()).collect();
        sizes.sort_unstable();
        assert_eq!(sizes, [50, 100]);
        for slice in &slices {
            let keys: Vec<_> = slice.endpoints.iter().map(endpoint_order).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "sorted by address");
        }
        let placement: BTreeMap<String, String> = slices
            .iter()
            .flat_map(|s| {
                s.endpoints
                    .iter()
                    .map(|e| (e.addresses[0].clone(), s.meta.name.clone()))
            })
            .collect();
        assert_eq!(placement.len(), 150);

        // Thirty more fit the half-full slice, which takes them all (`getSliceToFill`);
        // sixty more do not fit anywhere whole, so they open a new slice rather than being
        // split. No endpoint moves.
        let add = |c: &mut Cluster, range: std::ops::Range<usize>| {
            for i in range {
                let ip = format!("10.244.{}.{}", i / 100, i % 100 + 1);
                c.add_pod(&format!("web-{i:03}"), "web", Some(&ip), true);
            }
            c.settle();
        };
        let sizes = |c: &Cluster| {
            let mut sizes: Vec<usize> = c.slices("web").iter().map(|s| s.endpoints.len()).collect();
            sizes.sort_unstable();
            sizes
        };
        add(&mut c, 150..180);
        assert_eq!(sizes(&c), [80, 100]);
        add(&mut c, 180..240);
        assert_eq!(sizes(&c), [60, 80, 100]);
        let slices = c.slices("web");
        for s in &slices {
            for e in &s.endpoints {
                if let Some(before) = placement.get(&e.addresses[0]) {
                    assert_eq!(before, &s.meta.name, "{} moved", e.addresses[0]);
                }
            }
        }
        // Every slice is owned by the Service and carries the reserved labels.
        for s in &slices {
            assert_eq!(s.meta.owner_references[0].kind, Kind::Service);
            assert_eq!(
                s.meta.labels.get(LABEL_MANAGED_BY).map(String::as_str),
                Some(CONTROLLER_NAME)
            );
        }
    }

    /// Services without a selector, and ExternalName ones, get no slices; deleting a Service
    /// deletes its slices through the garbage collector.
    #[test]
    fn selectorless_services_get_nothing_and_deletion_cascades() {
        let mut c = Cluster::new(1);
        c.add_service("external", |s| s.selector.clear());
        c.add_service("alias", |s| {
            s.type_ = ServiceType::ExternalName;
            s.external_name = "db.example.com".to_string();
        });
        c.add_service("web", |_| {});
        c.add_pod("web-1", "web", Some("10.244.0.5"), true);
        c.settle();
        assert!(c.slices("external").is_empty());
        assert!(c.slices("alias").is_empty());
        assert_eq!(c.slices("web").len(), 1);
        c.store
            .delete::<Service>(&ObjectKey::new("default", "web"))
            .expect("delete");
        c.settle();
        assert!(c.slices("web").is_empty());
        assert_eq!(c.store.count::<EndpointSlice>(), 0);
    }

    /// Kubelet status writes that change nothing an endpoint shows wake nobody
    /// (`podEndpointsChanged`).
    #[test]
    fn irrelevant_pod_changes_wake_nothing() {
        let mut c = Cluster::new(1);
        c.add_service("web", |_| {});
        c.add_pod("web-1", "web", Some("10.244.0.5"), true);
        c.add_pod("other", "other", Some("10.244.0.6"), true);
        c.settle();
        let before = c.reconciles;
        c.pod("web-1", |p| p.status.message = "still fine".to_string());
        c.pod("other", |p| p.status.pod_ip = None);
        c.settle();
        assert_eq!(c.reconciles, before);
        c.set_ready("web-1", false);
        c.settle();
        assert_eq!(c.reconciles, before + 1);
    }

    /// Same seed, same names; another seed, other names.
    #[test]
    fn slice_names_come_from_the_seed() {
        let names = |seed| {
            let mut c = Cluster::new(seed);
            c.add_service("web", |_| {});
            c.settle();
            c.slices("web")[0].meta.name.clone()
        };
        assert_eq!(names(7), names(7));
        assert_ne!(names(7), names(8));
    }
}
