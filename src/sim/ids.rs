//! Typed indices of the model's components. Components live in `Vec`s and are never removed, so
//! an id stays valid for the whole run (dead components keep their final state).

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the component's `Vec`.
            pub fn ix(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A Kubernetes node.
    NodeId
);
id_type!(
    /// A Ray pod (head or worker).
    PodId
);
id_type!(
    /// A Serve replica.
    ReplicaId
);
id_type!(
    /// A Serve proxy actor.
    ProxyId
);
id_type!(
    /// A client request.
    ReqId
);
id_type!(
    /// A Serve deployment, by its application's index in `serve.applications` (one deployment
    /// per application).
    DeploymentId
);
