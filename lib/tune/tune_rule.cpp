#include "tune/tune_rule.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "base/parse.hpp"
#include "base/user_regex.hpp"
#include "base/lines.hpp"

namespace xpu::tune {

namespace {

// What a metric accepts: its argument keys and the operators each takes.
// A key "" is a bare string argument (sysctl("vm.swappiness")).
struct MetricSpec {
	std::map<std::string, std::set<std::string>> args;
	bool needs_bare = false;
};

const std::set<std::string> kMatch = {"=~", "!~", "="};
const std::set<std::string> kEq = {"="};

const std::map<std::string, MetricSpec> &metrics()
{
	static const std::map<std::string, MetricSpec> m = [] {
		std::map<std::string, MetricSpec> m;
		MetricSpec stacks{{{"frame", kMatch}, {"comm", kMatch}, {"layer", kEq}}, false};
		for (const char *n : {"share", "total", "self", "seconds"})
			m[n] = stacks;
		m["oncpu"] = {};
		m["offcpu"] = {{{"state", kEq}}, false};
		m["gpu"] = {};
		m["gpu_kernel"] = {{{"name", kMatch}}, false};
		m["gpu_memcpy"] = {{{"kind", kMatch}}, false};
		m["gpu_wait"] = {{{"kernel", kMatch}}, false};
		for (const char *n : {"gpu_memcpy_pageable", "gpu_memset", "gpu_sync", "gpu_idle",
				      "gpu_busy_s"})
			m[n] = {};
		for (const char *n : {"ctx_switches", "migrations", "page_faults", "ctx_switches_per_s",
				      "migrations_per_s", "page_faults_per_s"})
			m[n] = {};
		for (const char *n : {"nr_cpus", "numa_nodes", "thp", "governor", "wall_s", "freq"})
			m[n] = {};
		for (const char *n : {"small_sends_per_s", "small_send_bytes", "net_sends_per_s",
				      "net_bytes_per_send"})
			m[n] = {};
		m["sysctl"] = {{{"", {}}}, true};
		return m;
	}();
	return m;
}

struct Token {
	enum class Kind { end, number, string, ident, op } kind = Kind::end;
	std::string text;   // ident, op, or the string's contents
	double num = 0;
	int col = 0;        // 1-based, in the whole rule
	size_t end = 0;     // offset just past the token
};

std::unexpected<Error> err_at(int col, const std::string &msg)
{
	return std::unexpected(Error{ExitCode::usage, fmt::format("{}: {}", col, msg)});
}

class Lexer {
public:
	Lexer(std::string_view text, size_t pos) : text_(text), pos_(pos) {}

	Result<Token> next()
	{
		while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t'))
			pos_++;
		Token t;
		t.col = static_cast<int>(pos_) + 1;
		if (pos_ >= text_.size()) {
			t.end = pos_;
			return t;
		}
		char c = text_[pos_];
		if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && pos_ + 1 < text_.size() &&
			std::isdigit(static_cast<unsigned char>(text_[pos_ + 1])))) {
			size_t start = pos_;
			while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) ||
						       text_[pos_] == '.'))
				pos_++;
			std::string_view digits = text_.substr(start, pos_ - start);
			auto r = std::from_chars(digits.data(), digits.data() + digits.size(), t.num);
			if (r.ec != std::errc() || r.ptr != digits.data() + digits.size())
				return err_at(t.col, fmt::format("bad number '{}'", digits));
			if (pos_ < text_.size() && text_[pos_] == '%') {
				t.num /= 100;
				pos_++;
			}
			t.kind = Token::Kind::number;
		} else if (c == '"') {
			size_t start = ++pos_;
			std::string s;
			while (pos_ < text_.size() && text_[pos_] != '"') {
				if (text_[pos_] == '\\' && pos_ + 1 < text_.size() &&
				    (text_[pos_ + 1] == '"' || text_[pos_ + 1] == '\\'))
					pos_++;
				s += text_[pos_++];
			}
			if (pos_ >= text_.size())
				return err_at(static_cast<int>(start), "unterminated string");
			pos_++;
			t.kind = Token::Kind::string;
			t.text = std::move(s);
		} else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
			size_t start = pos_;
			while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
						       text_[pos_] == '_'))
				pos_++;
			t.kind = Token::Kind::ident;
			t.text = std::string(text_.substr(start, pos_ - start));
		} else {
			static constexpr std::string_view two[] = {"=>", "=~", "!~", "==", "!=", ">=", "<="};
			t.kind = Token::Kind::op;
			for (auto op : two)
				if (text_.substr(pos_, 2) == op)
					t.text = std::string(op);
			if (t.text.empty() && std::string_view("()<>=+-*/,").find(c) != std::string_view::npos)
				t.text = std::string(1, c);
			if (t.text.empty())
				return err_at(t.col, fmt::format("unexpected character '{}'", c));
			pos_ += t.text.size();
		}
		t.end = pos_;
		return t;
	}

private:
	std::string_view text_;
	size_t pos_;
};

// Recursive descent over the tokens of a condition (or an impact).
class Parser {
public:
	Parser(std::string_view text, size_t pos) : lex_(text, pos) {}

	Result<void> start() { return advance(); }
	const Token &peek() const { return tok_; }

	Result<Expr> expression() { return or_expr(); }

private:
	Result<void> advance()
	{
		auto t = lex_.next();
		if (!t)
			return std::unexpected(t.error());
		tok_ = std::move(*t);
		return {};
	}
	bool is_op(const char *op) const { return tok_.kind == Token::Kind::op && tok_.text == op; }
	bool is_word(const char *w) const { return tok_.kind == Token::Kind::ident && tok_.text == w; }

	static Expr node(Expr::Op op, int col, std::vector<Expr> kids)
	{
		Expr e;
		e.op = op;
		e.col = col;
		e.kids = std::move(kids);
		return e;
	}

	Result<Expr> or_expr()
	{
		auto l = and_expr();
		while (l && is_word("or")) {
			if (auto r = advance(); !r)
				return std::unexpected(r.error());
			auto r = and_expr();
			if (!r)
				return r;
			int col = l->col;
			l = node(Expr::Op::or_, col, {std::move(*l), std::move(*r)});
		}
		return l;
	}

	Result<Expr> and_expr()
	{
		auto l = not_expr();
		while (l && is_word("and")) {
			if (auto r = advance(); !r)
				return std::unexpected(r.error());
			auto r = not_expr();
			if (!r)
				return r;
			int col = l->col;
			l = node(Expr::Op::and_, col, {std::move(*l), std::move(*r)});
		}
		return l;
	}

	Result<Expr> not_expr()
	{
		if (is_word("not")) {
			int col = tok_.col;
			if (auto r = advance(); !r)
				return std::unexpected(r.error());
			auto k = not_expr();
			if (!k)
				return k;
			return node(Expr::Op::not_, col, {std::move(*k)});
		}
		return comparison();
	}

	Result<Expr> comparison()
	{
		auto l = sum();
		if (!l)
			return l;
		static const std::map<std::string, Expr::Op> ops = {
			{">", Expr::Op::gt}, {">=", Expr::Op::ge}, {"<", Expr::Op::lt},
			{"<=", Expr::Op::le}, {"==", Expr::Op::eq}, {"!=", Expr::Op::ne}};
		if (tok_.kind != Token::Kind::op)
			return l;
		if (tok_.text == "=")
			return err_at(tok_.col, "'=' compares nothing: use '=='");
		auto it = ops.find(tok_.text);
		if (it == ops.end())
			return l;
		if (auto r = advance(); !r)
			return std::unexpected(r.error());
		auto r = sum();
		if (!r)
			return r;
		int col = l->col;
		return node(it->second, col, {std::move(*l), std::move(*r)});
	}

	Result<Expr> sum()
	{
		auto l = term();
		while (l && (is_op("+") || is_op("-"))) {
			Expr::Op op = tok_.text == "+" ? Expr::Op::add : Expr::Op::sub;
			if (auto r = advance(); !r)
				return std::unexpected(r.error());
			auto r = term();
			if (!r)
				return r;
			int col = l->col;
			l = node(op, col, {std::move(*l), std::move(*r)});
		}
		return l;
	}

	Result<Expr> term()
	{
		auto l = unary();
		while (l && (is_op("*") || is_op("/"))) {
			Expr::Op op = tok_.text == "*" ? Expr::Op::mul : Expr::Op::div;
			if (auto r = advance(); !r)
				return std::unexpected(r.error());
			auto r = unary();
			if (!r)
				return r;
			int col = l->col;
			l = node(op, col, {std::move(*l), std::move(*r)});
		}
		return l;
	}

	Result<Expr> unary()
	{
		if (is_op("-")) {
			int col = tok_.col;
			if (auto r = advance(); !r)
				return std::unexpected(r.error());
			auto k = unary();
			if (!k)
				return k;
			return node(Expr::Op::neg, col, {std::move(*k)});
		}
		return primary();
	}

	Result<Expr> primary()
	{
		Expr e;
		e.col = tok_.col;
		switch (tok_.kind) {
		case Token::Kind::number:
			e.op = Expr::Op::number;
			e.num = tok_.num;
			break;
		case Token::Kind::string:
			e.op = Expr::Op::string;
			e.str = tok_.text;
			break;
		case Token::Kind::ident:
			return call();
		case Token::Kind::op:
			if (tok_.text == "(") {
				if (auto r = advance(); !r)
					return std::unexpected(r.error());
				auto inner = expression();
				if (!inner)
					return inner;
				if (!is_op(")"))
					return err_at(tok_.col, "expected ')'");
				if (auto r = advance(); !r)
					return std::unexpected(r.error());
				return inner;
			}
			return err_at(tok_.col, fmt::format("unexpected '{}'", tok_.text));
		case Token::Kind::end:
			return err_at(tok_.col, "expected a metric, a number or a string");
		}
		if (auto r = advance(); !r)
			return std::unexpected(r.error());
		return e;
	}

	Result<Expr> call()
	{
		Expr e;
		e.op = Expr::Op::call;
		e.col = tok_.col;
		e.str = tok_.text;
		auto spec = metrics().find(e.str);
		if (spec == metrics().end())
			return err_at(e.col, fmt::format("unknown metric '{}'", e.str));
		if (auto r = advance(); !r)
			return std::unexpected(r.error());
		if (is_op("(")) {
			if (auto r = advance(); !r)
				return std::unexpected(r.error());
			while (!is_op(")")) {
				auto a = argument(spec->second);
				if (!a)
					return std::unexpected(a.error());
				e.args.push_back(std::move(*a));
				if (is_op(",")) {
					if (auto r = advance(); !r)
						return std::unexpected(r.error());
				} else if (!is_op(")")) {
					return err_at(tok_.col, "expected ',' or ')'");
				}
			}
			if (auto r = advance(); !r)
				return std::unexpected(r.error());
		}
		if (spec->second.needs_bare && (e.args.size() != 1 || !e.args[0].key.empty()))
			return err_at(e.col, fmt::format("{} takes one string: {}(\"name\")", e.str, e.str));
		return e;
	}

	Result<Arg> argument(const MetricSpec &spec)
	{
		Arg a;
		a.col = tok_.col;
		if (tok_.kind == Token::Kind::string) {
			if (!spec.needs_bare)
				return err_at(a.col, "expected KEY =~ \"regex\" or KEY = \"value\"");
			a.value = tok_.text;
			if (auto r = advance(); !r)
				return std::unexpected(r.error());
			return a;
		}
		if (tok_.kind != Token::Kind::ident)
			return err_at(a.col, "expected an argument");
		a.key = tok_.text;
		auto allowed = spec.args.find(a.key);
		if (allowed == spec.args.end() || a.key.empty()) {
			std::string keys;
			for (const auto &[k, ops] : spec.args)
				if (!k.empty())
					keys += (keys.empty() ? "" : ", ") + k;
			return err_at(a.col, fmt::format("unknown argument '{}' (takes: {})", a.key,
							 keys.empty() ? "none" : keys));
		}
		if (auto r = advance(); !r)
			return std::unexpected(r.error());
		if (tok_.kind != Token::Kind::op || !allowed->second.contains(tok_.text))
			return err_at(tok_.col, fmt::format("'{}' takes {}", a.key,
							 allowed->second.size() > 1 ? "=~, !~ or =" : "="));
		a.op = tok_.text;
		if (auto r = advance(); !r)
			return std::unexpected(r.error());
		if (tok_.kind != Token::Kind::string)
			return err_at(tok_.col, "expected a quoted string");
		a.value = tok_.text;
		if (a.op != "=") {
			auto re = compile_user_regex(a.value, std::regex::optimize);
			if (!re)
				return err_at(tok_.col + 1, fmt::format("bad regex \"{}\": {}", a.value, re.error()));
			a.re = std::make_shared<const std::regex>(std::move(*re));
		}
		if (a.key == "layer" && a.value != "cpu" && a.value != "offcpu" && a.value != "gpu")
			return err_at(tok_.col, "layer is \"cpu\", \"offcpu\" or \"gpu\"");
		if (auto r = advance(); !r)
			return std::unexpected(r.error());
		return a;
	}

	Lexer lex_;
	Token tok_;
};

// Words of the action part: split on blanks, "quoted" strings kept whole.
struct Word {
	std::string text;
	int col = 0;
	bool quoted = false;
};

Result<std::vector<Word>> words(std::string_view text, size_t pos, size_t end)
{
	std::vector<Word> out;
	while (pos < end) {
		if (text[pos] == ' ' || text[pos] == '\t') {
			pos++;
			continue;
		}
		Word w;
		w.col = static_cast<int>(pos) + 1;
		if (text[pos] == '"') {
			size_t close = text.find('"', pos + 1);
			if (close == text.npos || close >= end)
				return err_at(w.col, "unterminated string");
			w.text = std::string(text.substr(pos + 1, close - pos - 1));
			w.quoted = true;
			pos = close + 1;
		} else {
			size_t stop = pos;
			while (stop < end && text[stop] != ' ' && text[stop] != '\t')
				stop++;
			w.text = std::string(text.substr(pos, stop - pos));
			pos = stop;
		}
		out.push_back(std::move(w));
	}
	return out;
}

bool is_sysctl_name(std::string_view s)
{
	if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != s.npos)
		return false;
	for (char c : s)
		if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
			return false;
	return true;
}

bool is_cpu_list(std::string_view s)
{
	if (s.starts_with("node"))
		return parse_int(s.substr(4)).has_value();
	if (s.empty())
		return false;
	for (char c : s)
		if (!std::isdigit(static_cast<unsigned char>(c)) && c != ',' && c != '-')
			return false;
	return true;
}

const std::set<std::string> kSuggestions = {"preload", "pinned_memory", "cuda_graphs"};

Result<Action> suggest_action(const std::vector<Word> &w)
{
	Action a;
	a.kind = Action::Kind::suggest;
	a.col = w[0].col;
	if (w.size() != 2)
		return err_at(w.size() < 2 ? w[0].col : w[2].col,
			      "suggest takes one advice: preload(LIB), pinned_memory, cuda_graphs or \"text\"");
	if (w[1].quoted) {
		a.key = "text";
		a.value = w[1].text;
		return a;
	}
	std::string_view s = w[1].text;
	size_t paren = s.find('(');
	a.key = std::string(s.substr(0, paren));
	if (!kSuggestions.contains(a.key))
		return err_at(w[1].col, fmt::format("unknown advice '{}' (preload(LIB), pinned_memory, "
						    "cuda_graphs or \"text\")", a.key));
	if (paren != s.npos) {
		if (!s.ends_with(")"))
			return err_at(w[1].col + static_cast<int>(s.size()), "expected ')'");
		a.value = std::string(s.substr(paren + 1, s.size() - paren - 2));
	}
	if (a.key == "preload" && a.value.empty())
		return err_at(w[1].col, "preload needs a library: preload(jemalloc)");
	return a;
}

Result<Action> set_action(const std::vector<Word> &w)
{
	Action a;
	a.col = w[0].col;
	if (w.size() < 2)
		return err_at(w[0].col, "set needs a kind: sysctl, thp, governor, affinity, numa, nice, ioprio");
	static const std::map<std::string, Action::Kind> kinds = {
		{"sysctl", Action::Kind::sysctl},     {"thp", Action::Kind::thp},
		{"governor", Action::Kind::governor}, {"affinity", Action::Kind::affinity},
		{"numa", Action::Kind::numa},         {"nice", Action::Kind::nice},
		{"ioprio", Action::Kind::ioprio}};
	auto k = kinds.find(w[1].text);
	if (k == kinds.end())
		return err_at(w[1].col, fmt::format("unknown setting '{}' (sysctl, thp, governor, affinity, "
						    "numa, nice, ioprio)", w[1].text));
	a.kind = k->second;
	if (w.size() != 3)
		return err_at(w.size() < 3 ? w[1].col + static_cast<int>(w[1].text.size()) + 1 : w[3].col,
			      fmt::format("set {} takes one value", w[1].text));
	const Word &v = w[2];
	switch (a.kind) {
	case Action::Kind::sysctl: {
		size_t eq = v.text.find('=');
		if (eq == std::string::npos || eq + 1 == v.text.size())
			return err_at(v.col, "expected NAME=VALUE (vm.dirty_background_ratio=5)");
		a.key = v.text.substr(0, eq);
		a.value = v.text.substr(eq + 1);
		if (!is_sysctl_name(a.key))
			return err_at(v.col, fmt::format("bad sysctl name '{}'", a.key));
		break;
	}
	case Action::Kind::thp:
		if (v.text != "always" && v.text != "madvise" && v.text != "never")
			return err_at(v.col, "thp is always, madvise or never");
		a.value = v.text;
		break;
	case Action::Kind::governor:
		if (!is_sysctl_name(v.text))
			return err_at(v.col, fmt::format("bad governor name '{}'", v.text));
		a.value = v.text;
		break;
	case Action::Kind::affinity:
		if (!is_cpu_list(v.text))
			return err_at(v.col, "affinity is a CPU list (0-3,6) or nodeN");
		a.value = v.text;
		break;
	case Action::Kind::numa: {
		auto n = parse_int(v.text);
		if (!n || *n < 0)
			return err_at(v.col, "numa is a node number");
		a.value = v.text;
		break;
	}
	case Action::Kind::nice: {
		std::string_view t = v.text;
		if (t.starts_with("+"))
			t.remove_prefix(1);
		auto n = parse_int(t);
		if (!n || *n < -20 || *n > 19)
			return err_at(v.col, "nice is -20..19");
		a.value = std::to_string(*n);
		break;
	}
	case Action::Kind::ioprio: {
		std::string_view t = v.text;
		std::string_view cls = t.substr(0, t.find(','));
		if (cls != "rt" && cls != "be" && cls != "idle")
			return err_at(v.col, "ioprio is rt,N, be,N or idle");
		if (cls != "idle") {
			auto lvl = t.size() > cls.size() ? parse_int(t.substr(cls.size() + 1))
							 : std::optional<long long>();
			if (!lvl || *lvl < 0 || *lvl > 7)
				return err_at(v.col, "ioprio level is 0..7 (be,4)");
		} else if (t != "idle") {
			return err_at(v.col, "ioprio idle takes no level");
		}
		a.value = v.text;
		break;
	}
	case Action::Kind::suggest:
		break;
	}
	return a;
}

// The column of the first "=>" outside a string, or npos.
size_t find_arrow(std::string_view text)
{
	bool in_string = false;
	for (size_t i = 0; i + 1 < text.size(); i++) {
		if (text[i] == '"' && (i == 0 || text[i - 1] != '\\'))
			in_string = !in_string;
		else if (!in_string && text[i] == '=' && text[i + 1] == '>')
			return i;
	}
	return std::string_view::npos;
}

// "NAME:" at the start, when the rule has a name.
size_t name_end(std::string_view text, std::string &name)
{
	size_t i = 0;
	while (i < text.size() && text[i] == ' ')
		i++;
	size_t start = i;
	while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' ||
				   text[i] == '-'))
		i++;
	if (i > start && i < text.size() && text[i] == ':') {
		name = std::string(text.substr(start, i - start));
		return i + 1;
	}
	return 0;
}

}  // namespace

const char *kind_name(Action::Kind k)
{
	switch (k) {
	case Action::Kind::suggest: return "suggest";
	case Action::Kind::sysctl: return "sysctl";
	case Action::Kind::thp: return "thp";
	case Action::Kind::governor: return "governor";
	case Action::Kind::affinity: return "affinity";
	case Action::Kind::numa: return "numa";
	case Action::Kind::nice: return "nice";
	case Action::Kind::ioprio: return "ioprio";
	}
	return "?";
}

std::string to_string(const Action &a)
{
	if (a.kind == Action::Kind::suggest) {
		if (a.key == "text")
			return fmt::format("suggest \"{}\"", a.value);
		return a.value.empty() ? "suggest " + a.key : fmt::format("suggest {}({})", a.key, a.value);
	}
	if (a.kind == Action::Kind::sysctl)
		return fmt::format("set sysctl {}={}", a.key, a.value);
	return fmt::format("set {} {}", kind_name(a.kind), a.value);
}

namespace {
std::string number_text(double v)
{
	if (v == std::floor(v) && std::fabs(v) < 1e15)
		return fmt::format("{}", static_cast<long long>(v));
	return fmt::format("{}", v);
}
}  // namespace

std::string to_string(const Expr &e)
{
	static const std::map<Expr::Op, const char *> bin = {
		{Expr::Op::add, "+"}, {Expr::Op::sub, "-"}, {Expr::Op::mul, "*"}, {Expr::Op::div, "/"},
		{Expr::Op::lt, "<"},  {Expr::Op::le, "<="}, {Expr::Op::gt, ">"},  {Expr::Op::ge, ">="},
		{Expr::Op::eq, "=="}, {Expr::Op::ne, "!="}, {Expr::Op::and_, "and"}, {Expr::Op::or_, "or"}};
	switch (e.op) {
	case Expr::Op::number:
		return number_text(e.num);
	case Expr::Op::string:
		return "\"" + e.str + "\"";
	case Expr::Op::call: {
		if (e.args.empty())
			return e.str;
		std::string s = e.str + "(";
		for (size_t i = 0; i < e.args.size(); i++) {
			const Arg &a = e.args[i];
			s += i ? ", " : "";
			s += a.key.empty() ? "\"" + a.value + "\""
					   : fmt::format("{} {} \"{}\"", a.key, a.op, a.value);
		}
		return s + ")";
	}
	case Expr::Op::neg:
		return "-" + to_string(e.kids[0]);
	case Expr::Op::not_:
		return "not " + to_string(e.kids[0]);
	default:
		return fmt::format("({} {} {})", to_string(e.kids[0]), bin.at(e.op), to_string(e.kids[1]));
	}
}

Result<Rule> parse_rule(std::string_view text)
{
	Rule rule;
	rule.text = std::string(text);
	size_t arrow = find_arrow(text);
	if (arrow == std::string_view::npos) {
		// An unterminated string hides the arrow: say so first.
		for (Lexer again(text, 0);;) {
			auto t = again.next();
			if (!t)
				return std::unexpected(t.error());
			if (t->kind == Token::Kind::end)
				break;
		}
		return err_at(static_cast<int>(text.size()) + 1, "expected '=> ACTION'");
	}
	size_t start = name_end(text.substr(0, arrow), rule.name);

	// The condition: tokens up to the arrow.
	Parser cond(text.substr(0, arrow), start);
	if (auto r = cond.start(); !r)
		return std::unexpected(r.error());
	auto e = cond.expression();
	if (!e)
		return std::unexpected(e.error());
	if (cond.peek().kind != Token::Kind::end)
		return err_at(cond.peek().col, fmt::format("unexpected '{}'", cond.peek().text));
	rule.cond = std::move(*e);

	// The action: words up to "impact", then the impact expression.
	auto w = words(text, arrow + 2, text.size());
	if (!w)
		return std::unexpected(w.error());
	size_t impact_at = text.size();
	for (size_t i = 0; i < w->size(); i++)
		if (!(*w)[i].quoted && (*w)[i].text == "impact") {
			impact_at = static_cast<size_t>((*w)[i].col - 1);
			w->resize(i);
			break;
		}
	if (w->empty())
		return err_at(static_cast<int>(arrow) + 3, "expected an action: suggest ... or set ...");
	const Word &verb = w->front();
	Result<Action> a = verb.text == "suggest" ? suggest_action(*w)
			   : verb.text == "set"   ? set_action(*w)
						  : err_at(verb.col, fmt::format("unknown action '{}' (suggest, set)",
										 verb.text));
	if (!a)
		return std::unexpected(a.error());
	rule.action = std::move(*a);
	if (impact_at < text.size()) {
		Parser imp(text, impact_at + 6);
		if (auto r = imp.start(); !r)
			return std::unexpected(r.error());
		auto ie = imp.expression();
		if (!ie)
			return std::unexpected(ie.error());
		if (imp.peek().kind != Token::Kind::end)
			return err_at(imp.peek().col, fmt::format("unexpected '{}'", imp.peek().text));
		rule.impact = std::make_shared<Expr>(std::move(*ie));
	}
	return rule;
}

Result<std::vector<Rule>> parse_rules(std::string_view text, const std::string &origin)
{
	std::vector<Rule> rules;
	size_t line_no = 0;
	while (!text.empty()) {
		std::string_view line = next_line(text);
		line_no++;
		if (line.ends_with('\r'))
			line.remove_suffix(1);
		size_t first = line.find_first_not_of(" \t");
		if (first == line.npos || line[first] == '#')
			continue;
		auto r = parse_rule(line);
		if (!r)
			return fail(ExitCode::usage, "{}:{}:{}", origin, line_no, r.error().msg);
		r->origin = fmt::format("{}:{}", origin, line_no);
		if (r->name.empty())
			r->name = fmt::format("rule-{}", line_no);
		rules.push_back(std::move(*r));
	}
	return rules;
}

const std::vector<std::string> &metric_names()
{
	static const std::vector<std::string> names = [] {
		std::vector<std::string> v;
		for (const auto &[n, spec] : metrics())
			v.push_back(n);
		return v;
	}();
	return names;
}

}  // namespace xpu::tune
