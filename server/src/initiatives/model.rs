//! The vocabulary of improvement initiatives, parsed rather than validated: measures and
//! their direction and cadence, check-in periods aligned to the cadence, values a measure
//! can take, the cycle stage, and the lifecycle of a test of change (PDSA) as a state
//! machine with a reason for every refused step.

use super::charts::run_chart::Direction;
use crate::entities::{initiative_teams, initiatives, tests_of_change};
use crate::networks::access::InNetwork;
use chrono::{Datelike, NaiveDate, Weekday};

/// How often a measure is checked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Periods start on ISO-week Mondays.
    Weekly,
    /// Periods start on the first of a month.
    Monthly,
}

impl Cadence {
    pub fn parse(raw: &str) -> Option<Cadence> {
        match raw {
            "weekly" => Some(Cadence::Weekly),
            "monthly" => Some(Cadence::Monthly),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
        }
    }

    /// `date` as a period of this cadence, or why it is not one ("2027-01-12 is a Tuesday").
    pub fn period(self, date: NaiveDate) -> Result<Period, String> {
        match self {
            Cadence::Weekly if date.weekday() == Weekday::Mon => Ok(Period(date)),
            Cadence::Weekly => Err(format!(
                "must be the Monday a week starts on ({date} is a {}; that week starts on {})",
                weekday_name(date.weekday()),
                date.week(Weekday::Mon).first_day()
            )),
            Cadence::Monthly if date.day() == 1 => Ok(Period(date)),
            Cadence::Monthly => Err(format!(
                "must be the first of a month ({date}; that month starts on {})",
                date.with_day(1).unwrap_or(date)
            )),
        }
    }

    /// The period `date` falls in.
    pub fn containing(self, date: NaiveDate) -> Period {
        match self {
            Cadence::Weekly => Period(date.week(Weekday::Mon).first_day()),
            Cadence::Monthly => Period(date.with_day(1).unwrap_or(date)),
        }
    }

    /// The period before `period`.
    pub fn previous(self, period: Period) -> Period {
        match self {
            Cadence::Weekly => Period(period.0 - chrono::Duration::days(7)),
            Cadence::Monthly => Period(
                period
                    .0
                    .checked_sub_months(chrono::Months::new(1))
                    .unwrap_or(period.0),
            ),
        }
    }

    /// How people name a period: "the week of 2027-01-11", "January 2027".
    pub fn label(self, period: Period) -> String {
        match self {
            Cadence::Weekly => format!("the week of {}", period.0),
            Cadence::Monthly => period.0.format("%B %Y").to_string(),
        }
    }

    /// The period after `period`.
    pub fn next(self, period: Period) -> Period {
        match self {
            Cadence::Weekly => Period(period.0 + chrono::Duration::days(7)),
            Cadence::Monthly => Period(
                period
                    .0
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(period.0),
            ),
        }
    }
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// The first day of a check-in period, aligned to its measure's cadence (only
/// `Cadence::period` makes one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period(NaiveDate);

impl Period {
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

/// Which way is better, as the API names it.
pub fn parse_direction(raw: &str) -> Option<Direction> {
    match raw {
        "decrease" => Some(Direction::Decrease),
        "increase" => Some(Direction::Increase),
        _ => None,
    }
}

/// What a measure is counted in. A percentage takes 0 to 100; anything else any finite
/// number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit(String);

impl Unit {
    pub fn parse(raw: &str) -> Result<Unit, String> {
        let unit = raw.trim();
        if unit.chars().count() > 20 {
            return Err("must be at most 20 characters".into());
        }
        Ok(Unit(unit.to_owned()))
    }

    pub fn is_percent(&self) -> bool {
        self.0 == "%"
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A checked-in value: finite, and within 0–100 for a percentage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasureValue(f64);

impl MeasureValue {
    pub fn parse(value: f64, unit: &Unit) -> Result<MeasureValue, String> {
        if !value.is_finite() {
            return Err("must be a finite number".into());
        }
        if unit.is_percent() && !(0.0..=100.0).contains(&value) {
            return Err("is a percentage: it must be between 0 and 100".into());
        }
        Ok(MeasureValue(value))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

/// Where an initiative is in its improvement cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Understand,
    Analyze,
    DesignTest,
    LearnRefine,
    Scale,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Understand,
        Stage::Analyze,
        Stage::DesignTest,
        Stage::LearnRefine,
        Stage::Scale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Understand => "understand",
            Stage::Analyze => "analyze",
            Stage::DesignTest => "design_test",
            Stage::LearnRefine => "learn_refine",
            Stage::Scale => "scale",
        }
    }

    pub fn parse(raw: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// Whether an initiative is under way. Completed and archived ones are read-only: no new
/// check-ins, teams or tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitiativeStatus {
    Active,
    Completed,
    Archived,
}

impl InitiativeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InitiativeStatus::Active => "active",
            InitiativeStatus::Completed => "completed",
            InitiativeStatus::Archived => "archived",
        }
    }

    pub fn parse(raw: &str) -> Option<InitiativeStatus> {
        [
            InitiativeStatus::Active,
            InitiativeStatus::Completed,
            InitiativeStatus::Archived,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// A test of change: `planning → doing → studying → acted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestStatus {
    Planning,
    Doing,
    Studying,
    Acted,
}

/// What a team decided after studying a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Adopt,
    Adapt,
    Abandon,
}

impl Act {
    pub fn parse(raw: &str) -> Option<Act> {
        match raw {
            "adopt" => Some(Act::Adopt),
            "adapt" => Some(Act::Adapt),
            "abandon" => Some(Act::Abandon),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Act::Adopt => "adopt",
            Act::Adapt => "adapt",
            Act::Abandon => "abandon",
        }
    }
}

/// Why a step is refused, naming the steps allowed from here (shown to the client as is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalStep(pub String);

impl TestStatus {
    const ORDER: [TestStatus; 4] = [
        TestStatus::Planning,
        TestStatus::Doing,
        TestStatus::Studying,
        TestStatus::Acted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Planning => "planning",
            TestStatus::Doing => "doing",
            TestStatus::Studying => "studying",
            TestStatus::Acted => "acted",
        }
    }

    pub fn parse(raw: &str) -> Option<TestStatus> {
        TestStatus::ORDER.into_iter().find(|s| s.as_str() == raw)
    }

    /// The one status that may follow this one.
    pub fn next(self) -> Option<TestStatus> {
        let at = TestStatus::ORDER.iter().position(|s| *s == self)?;
        TestStatus::ORDER.get(at + 1).copied()
    }

    /// Moves to `to`. A test runs its cycle in order, one step at a time; acting needs the
    /// decision (`act`), and only acting takes one.
    pub fn step(self, to: TestStatus, act: Option<Act>) -> Result<TestStatus, IllegalStep> {
        if to == self {
            return Err(IllegalStep(format!(
                "The test is already {}.",
                self.as_str()
            )));
        }
        if self.next() != Some(to) {
            let allowed = match self.next() {
                Some(next) => format!(
                    "from {} it can only move to {}",
                    self.as_str(),
                    next.as_str()
                ),
                None => "an acted test is finished; try it again as a new test".to_owned(),
            };
            return Err(IllegalStep(format!(
                "A test of change cannot go from {} to {}: {allowed}.",
                self.as_str(),
                to.as_str()
            )));
        }
        match (to, act) {
            (TestStatus::Acted, None) => Err(IllegalStep(
                "Acting on a test needs the decision: adopt, adapt or abandon.".into(),
            )),
            (TestStatus::Acted, Some(_)) => Ok(to),
            (_, Some(_)) => Err(IllegalStep(
                "The decision (adopt, adapt or abandon) comes with moving to acted.".into(),
            )),
            (_, None) => Ok(to),
        }
    }
}

/// A text cell (team name, note) of an exported CSV that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`,
/// or a tab or carriage return before one) is prefixed with `'`, so it shows as text.
pub fn neutralized_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

impl InNetwork for initiatives::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }
}

impl InNetwork for initiative_teams::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }

    fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

impl InNetwork for tests_of_change::Model {
    fn network_id(&self) -> i64 {
        self.network_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_period_containing_a_date_and_the_one_before() {
        let weekly = Cadence::Weekly;
        let sunday = weekly.containing(day("2027-01-17"));
        assert_eq!(sunday.date(), day("2027-01-11"));
        assert_eq!(weekly.previous(sunday).date(), day("2027-01-04"));
        assert_eq!(
            weekly.containing(day("2027-01-11")).date(),
            day("2027-01-11")
        );
        let monthly = Cadence::Monthly;
        let march = monthly.containing(day("2027-03-31"));
        assert_eq!(march.date(), day("2027-03-01"));
        assert_eq!(monthly.previous(march).date(), day("2027-02-01"));
        assert_eq!(
            monthly
                .previous(monthly.containing(day("2027-01-15")))
                .date(),
            day("2026-12-01")
        );
        assert_eq!(monthly.label(march), "March 2027");
        assert_eq!(weekly.label(sunday), "the week of 2027-01-11");
    }

    #[test]
    fn periods_align_to_the_cadence_and_say_which_date_would() {
        assert_eq!(
            Cadence::Weekly.period(day("2027-01-11")).unwrap().date(),
            day("2027-01-11")
        );
        let refused = Cadence::Weekly.period(day("2027-01-12")).unwrap_err();
        assert!(
            refused.contains("2027-01-12 is a Tuesday") && refused.contains("2027-01-11"),
            "{refused}"
        );
        assert!(Cadence::Monthly.period(day("2027-02-01")).is_ok());
        let refused = Cadence::Monthly.period(day("2027-02-14")).unwrap_err();
        assert!(refused.contains("2027-02-01"), "{refused}");
        // ISO weeks across a year end: 2027-01-01 is a Friday in the week of 2026-12-28.
        assert!(Cadence::Weekly
            .period(day("2027-01-01"))
            .unwrap_err()
            .contains("2026-12-28"));
    }

    #[test]
    fn the_next_period_follows_the_cadence() {
        let monday = Cadence::Weekly.period(day("2026-12-28")).unwrap();
        assert_eq!(Cadence::Weekly.next(monday).date(), day("2027-01-04"));
        let january = Cadence::Monthly.period(day("2027-01-01")).unwrap();
        assert_eq!(Cadence::Monthly.next(january).date(), day("2027-02-01"));
    }

    #[test]
    fn values_are_finite_and_percentages_stay_within_0_to_100() {
        let percent = Unit::parse("%").unwrap();
        let students = Unit::parse("students").unwrap();
        assert_eq!(MeasureValue::parse(14.2, &percent).unwrap().get(), 14.2);
        assert!(MeasureValue::parse(100.5, &percent).is_err());
        assert!(MeasureValue::parse(-1.0, &percent).is_err());
        assert!(MeasureValue::parse(f64::NAN, &students).is_err());
        assert!(MeasureValue::parse(f64::INFINITY, &students).is_err());
        assert_eq!(MeasureValue::parse(-3.0, &students).unwrap().get(), -3.0);
        assert!(Unit::parse(&"x".repeat(21)).is_err());
    }

    #[test]
    fn a_test_of_change_runs_its_cycle_in_order_and_acts_with_a_decision() {
        use TestStatus::*;
        let doing = Planning.step(Doing, None).unwrap();
        let studying = doing.step(Studying, None).unwrap();
        assert_eq!(studying.step(Acted, Some(Act::Adopt)).unwrap(), Acted);
        assert!(studying
            .step(Acted, None)
            .unwrap_err()
            .0
            .contains("adopt, adapt or abandon"));
        assert!(Planning.step(Doing, Some(Act::Adapt)).is_err());
    }

    #[test]
    fn every_illegal_step_is_refused_naming_what_is_allowed() {
        use TestStatus::*;
        let skipped = Planning.step(Studying, None).unwrap_err().0;
        assert!(
            skipped.contains("from planning it can only move to doing"),
            "{skipped}"
        );
        let backwards = Studying.step(Doing, None).unwrap_err().0;
        assert!(backwards.contains("only move to acted"), "{backwards}");
        let finished = Acted.step(Planning, None).unwrap_err().0;
        assert!(finished.contains("finished"), "{finished}");
        assert!(Doing
            .step(Doing, None)
            .unwrap_err()
            .0
            .contains("already doing"));
        for from in TestStatus::ORDER {
            for to in TestStatus::ORDER {
                let allowed = from.next() == Some(to);
                let act = (to == Acted).then_some(Act::Abandon);
                assert_eq!(from.step(to, act).is_ok(), allowed, "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
        for status in TestStatus::ORDER {
            assert_eq!(TestStatus::parse(status.as_str()), Some(status));
        }
        for act in [Act::Adopt, Act::Adapt, Act::Abandon] {
            assert_eq!(Act::parse(act.as_str()), Some(act));
        }
        assert_eq!(Cadence::parse("weekly"), Some(Cadence::Weekly));
        assert_eq!(Cadence::parse("daily"), None);
        assert_eq!(parse_direction("decrease"), Some(Direction::Decrease));
        assert_eq!(Stage::parse("scaling"), None);
    }

    #[test]
    fn exported_cells_never_run_as_formulas() {
        for dangerous in ["=SUM(A1)", "+1", "-2", "@cmd", "\t=1", "\r=1"] {
            assert!(
                neutralized_cell(dangerous).starts_with('\''),
                "{dangerous:?}"
            );
        }
        assert_eq!(neutralized_cell("Lincoln High"), "Lincoln High");
        assert_eq!(neutralized_cell("14.2"), "14.2");
        assert_eq!(neutralized_cell(""), "");
    }
}
