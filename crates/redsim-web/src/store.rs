//! The app's two stores (the console session and the scenario player) are models changed in place.
//!
//! Yew's `use_reducer` hands a reducer an `Rc` it still holds itself, so `Rc::make_mut` copies the
//! state on every action: the whole engine for a console command, the whole world of nodes for a
//! scenario tick. A `Store` keeps its model in one shared cell instead; an action changes the model
//! there and bumps the revision, which is what components compare. Nothing is copied, and a view
//! that borrows the model during its render sees the state that render is for.

use std::cell::{Ref, RefCell};
use std::rc::Rc;

use yew::Reducible;

/// A model that actions change in place.
pub trait Model {
    type Action;
    fn apply(&mut self, action: Self::Action);
}

pub struct Store<M> {
    model: Rc<RefCell<M>>,
    revision: u64,
}

impl<M> Store<M> {
    pub fn new(model: M) -> Store<M> {
        Store { model: Rc::new(RefCell::new(model)), revision: 0 }
    }

    /// The model as it is now (borrowed for a render or a callback, never across an action).
    pub fn get(&self) -> Ref<'_, M> {
        self.model.borrow()
    }

    /// How many actions the model has taken: equal revisions of one store show the same state.
    pub fn revision(&self) -> u64 {
        self.revision
    }
}

impl<M: Model> Reducible for Store<M> {
    type Action = M::Action;

    fn reduce(self: Rc<Self>, action: M::Action) -> Rc<Self> {
        self.model.borrow_mut().apply(action);
        Rc::new(Store { model: Rc::clone(&self.model), revision: self.revision + 1 })
    }
}

impl<M> PartialEq for Store<M> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.model, &other.model) && self.revision == other.revision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(u32);

    impl Model for Counter {
        type Action = u32;
        fn apply(&mut self, by: u32) {
            self.0 += by;
        }
    }

    #[test]
    fn actions_change_the_one_model_and_bump_the_revision() {
        let first = Rc::new(Store::new(Counter(0)));
        let second = Rc::clone(&first).reduce(2);
        let third = Rc::clone(&second).reduce(3);
        assert_eq!(third.get().0, 5);
        assert_eq!((first.revision(), second.revision(), third.revision()), (0, 1, 2));
        assert!(first != second && second != third);
        assert!(*third == Store { model: Rc::clone(&third.model), revision: 2 });
        assert!(*third != *Rc::new(Store::new(Counter(5))), "another store is another state");
    }
}
