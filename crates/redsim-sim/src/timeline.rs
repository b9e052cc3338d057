//! Snapshots spaced along a timeline, so any step can be rebuilt by replaying a bounded number of
//! actions from the nearest one, while memory stays bounded (one snapshot per `SPACING` steps).
//! Snapshots are shared (`Rc`), so copying a timeline costs a reference count per snapshot.

use std::rc::Rc;

/// Steps between snapshots at first: replaying at most this many actions rebuilds any step.
pub const SPACING: usize = 64;
/// Snapshots kept at most: past this, every other one goes and the spacing doubles, so memory
/// stays bounded however long the run (a million steps keep a few hundred snapshots).
pub const MAX_SNAPSHOTS: usize = 512;

#[derive(Clone, Debug)]
pub struct Timeline<S> {
    /// `(steps done, state after them)`, in increasing order of steps.
    snapshots: Vec<(usize, Rc<S>)>,
    spacing: usize,
}

impl<S: Clone> Timeline<S> {
    pub fn new() -> Timeline<S> {
        Timeline { snapshots: Vec::new(), spacing: SPACING }
    }

    /// Called after each step with the number of steps done so far.
    pub fn record(&mut self, steps_done: usize, state: &S) {
        if steps_done.is_multiple_of(self.spacing) && self.snapshots.last().is_none_or(|(at, _)| *at < steps_done) {
            self.snapshots.push((steps_done, Rc::new(state.clone())));
            if self.snapshots.len() > MAX_SNAPSHOTS {
                self.spacing *= 2;
                let spacing = self.spacing;
                self.snapshots.retain(|(at, _)| at.is_multiple_of(spacing));
            }
        }
    }

    /// Steps between snapshots now.
    pub fn spacing(&self) -> usize {
        self.spacing
    }

    /// The latest snapshot taken at or before `steps_done`.
    pub fn nearest(&self, steps_done: usize) -> Option<(usize, &S)> {
        let i = self.snapshots.partition_point(|(at, _)| *at <= steps_done);
        i.checked_sub(1).map(|i| (self.snapshots[i].0, &*self.snapshots[i].1))
    }

    pub fn forget_after(&mut self, steps_done: usize) {
        self.snapshots.retain(|(at, _)| *at <= steps_done);
    }

    pub fn len(&self) -> usize {
        self.snapshots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.snapshots.is_empty()
    }
}

impl<S: Clone> Default for Timeline<S> {
    fn default() -> Self {
        Timeline::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_snapshot() {
        let mut t = Timeline::new();
        for step in 1..=200 {
            t.record(step, &step);
        }
        assert_eq!(t.len(), 3);
        assert_eq!(t.nearest(10), None);
        assert_eq!(t.nearest(64), Some((64, &64)));
        assert_eq!(t.nearest(199), Some((192, &192)));
        t.forget_after(100);
        assert_eq!(t.nearest(199), Some((64, &64)));
    }

    #[test]
    fn long_runs_thin_their_snapshots() {
        let mut t = Timeline::new();
        for step in 1..=1_000_000 {
            t.record(step, &step);
        }
        assert!(t.len() <= MAX_SNAPSHOTS);
        assert!(t.spacing() <= 4096);
        let (at, _) = t.nearest(999_999).unwrap();
        assert!(999_999 - at < t.spacing());
    }
}
