//! Typed handles for the world's parts: a node, a client and an actor are each a place in their own
//! list, and the type says which list, so one cannot be passed where another is meant.

use std::ops::{Index, IndexMut};

use super::{Actor, Node, SimClient};

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident => $item:ty) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(usize);

        impl $name {
            /// The handle of the `index`-th one in its list.
            pub const fn new(index: usize) -> $name {
                $name(index)
            }
            /// Its place in its list.
            pub const fn index(self) -> usize {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl Index<$name> for Vec<$item> {
            type Output = $item;
            fn index(&self, id: $name) -> &$item {
                &self[id.0]
            }
        }

        impl IndexMut<$name> for Vec<$item> {
            fn index_mut(&mut self, id: $name) -> &mut $item {
                &mut self[id.0]
            }
        }
    };
}

handle!(
    /// A node of the world (a Redis server), by its place in [`super::Deployment::nodes`].
    NodeId => Node
);
handle!(
    /// A client of the world, by its place in [`super::Deployment::clients`] (not the engine's
    /// own connection id, which changes when its node restarts).
    SimClientId => SimClient
);
handle!(
    /// An actor (producer, consumer, resharder), by its place in [`super::Deployment::actors`].
    ActorId => Actor
);

/// The handles of a list, in order.
pub(crate) fn ids<T, I>(list: &[T], make: fn(usize) -> I) -> impl Iterator<Item = I> {
    (0..list.len()).map(make)
}
