//! Snapshots spaced along a timeline, so any step can be rebuilt by replaying a bounded amount of
//! work from the nearest one, while memory stays bounded: a snapshot every so many steps or, where
//! steps vary in weight (the scenario world, where one step may run one command or thousands), every
//! so many commands run, whichever comes first.
//! Snapshots are shared (`Rc`), so copying a timeline costs a reference count per snapshot.

use std::rc::Rc;

/// Steps between snapshots at first (a console session: a step is one command line).
pub const SPACING: usize = 64;
/// Snapshots kept at most: past this, every other one goes and the spacings double, so memory
/// stays bounded however long the run (a million steps keep a few hundred snapshots).
pub const MAX_SNAPSHOTS: usize = 512;

#[derive(Clone, Debug)]
pub struct Timeline<S> {
    /// `(steps done, work done, state after them)`, in increasing order of steps.
    snapshots: Vec<(usize, u64, Rc<S>)>,
    spacing: usize,
    work_spacing: u64,
}

impl<S: Clone> Timeline<S> {
    pub fn new() -> Timeline<S> {
        Timeline::spaced(SPACING, u64::MAX)
    }

    /// Snapshots after `spacing` steps or `work_spacing` units of work, whichever comes first.
    pub fn spaced(spacing: usize, work_spacing: u64) -> Timeline<S> {
        Timeline { snapshots: Vec::new(), spacing, work_spacing }
    }

    /// Called after each step with the number of steps done so far and a measure of the work
    /// done so far (commands run; it only grows).
    pub fn record(&mut self, steps_done: usize, work_done: u64, state: &S) {
        let (last_at, last_work) = self.snapshots.last().map_or((0, 0), |(at, work, _)| (*at, *work));
        if steps_done <= last_at {
            return;
        }
        if steps_done - last_at >= self.spacing || work_done.saturating_sub(last_work) >= self.work_spacing {
            self.snapshots.push((steps_done, work_done, Rc::new(state.clone())));
            if self.snapshots.len() > MAX_SNAPSHOTS {
                self.spacing *= 2;
                self.work_spacing = self.work_spacing.saturating_mul(2);
                let mut n = 0;
                self.snapshots.retain(|_| {
                    n += 1;
                    n % 2 == 0
                });
            }
        }
    }

    /// Steps between snapshots now.
    pub fn spacing(&self) -> usize {
        self.spacing
    }

    /// The latest snapshot taken at or before `steps_done`.
    pub fn nearest(&self, steps_done: usize) -> Option<(usize, &S)> {
        let i = self.snapshots.partition_point(|(at, _, _)| *at <= steps_done);
        i.checked_sub(1).map(|i| (self.snapshots[i].0, &*self.snapshots[i].2))
    }

    pub fn forget_after(&mut self, steps_done: usize) {
        self.snapshots.retain(|(at, _, _)| *at <= steps_done);
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
        for step in 1..=3 * SPACING + 8 {
            t.record(step, 0, &step);
        }
        assert_eq!(t.len(), 3);
        assert_eq!(t.nearest(10), None);
        assert_eq!(t.nearest(SPACING), Some((SPACING, &SPACING)));
        assert_eq!(t.nearest(3 * SPACING + 7), Some((3 * SPACING, &(3 * SPACING))));
        t.forget_after(2 * SPACING - 1);
        assert_eq!(t.nearest(3 * SPACING + 7), Some((SPACING, &SPACING)));
    }

    #[test]
    fn heavy_steps_are_snapshotted_by_the_work_they_did() {
        let mut t = Timeline::spaced(256, 1000);
        // Light steps: one snapshot per 256 steps; then steps of 300 units of work each: one
        // snapshot per four steps.
        let mut work = 0;
        for step in 1..=512 {
            work += 1;
            t.record(step, work, &step);
        }
        assert_eq!(t.len(), 2);
        for step in 513..=540 {
            work += 300;
            t.record(step, work, &step);
        }
        assert_eq!(t.len(), 2 + 7);
        assert_eq!(t.nearest(540), Some((540, &540)));
        assert_eq!(t.nearest(539), Some((536, &536)));
    }

    #[test]
    fn long_runs_thin_their_snapshots() {
        let mut t = Timeline::new();
        for step in 1..=1_000_000 {
            t.record(step, 0, &step);
        }
        assert!(t.len() <= MAX_SNAPSHOTS);
        assert!(t.spacing() <= 2 * 1_000_000 / MAX_SNAPSHOTS);
        let (at, _) = t.nearest(999_999).unwrap();
        assert!(999_999 - at < t.spacing());
    }
}
