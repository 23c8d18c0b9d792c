#include "symbolize/dwarf_info.hpp"

#include <algorithm>
#include <iterator>

#include <dwarf.h>

namespace xpu {

namespace {

// A C++ function's DW_AT_linkage_name demangles to the same full signature
// as its symbol, so names agree between .symtab and inline frames;
// DW_AT_name (short) is the fallback, for C. The _integrate variant follows
// DW_AT_abstract_origin and DW_AT_specification to the declaration that
// carries the name.
std::string die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	for (unsigned at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name, DW_AT_name}) {
		if (dwarf_attr_integrate(die, at, &attr))
			if (const char *s = dwarf_formstring(&attr))
				return s;
	}
	return {};
}

// Where function definitions can sit: at CU level, or (GCC) inside the
// namespace or class they belong to.
bool may_hold_functions(int tag)
{
	return tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
	       tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	       tag == DW_TAG_module;
}

// DIEs inside a function that can hold code of an inlined call.
bool may_hold_inlined(int tag)
{
	return tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block ||
	       tag == DW_TAG_try_block || tag == DW_TAG_catch_block ||
	       tag == DW_TAG_subprogram;  // a GNU C nested function
}

template <class Index>
const typename Index::value_type *find_range(const Index &idx, uint64_t vaddr)
{
	auto it = std::upper_bound(idx.begin(), idx.end(), vaddr,
				   [](uint64_t a, const auto &r) { return a < r.lo; });
	if (it == idx.begin() || vaddr >= std::prev(it)->hi)
		return nullptr;
	return &*std::prev(it);
}

}  // namespace

Result<std::unique_ptr<DwarfInfo>> DwarfInfo::open(Elf *elf)
{
	Dwarf *dw = dwarf_begin_elf(elf, DWARF_C_READ, nullptr);
	if (!dw)
		return fail(ExitCode::internal, "no DWARF: {}", dwarf_errmsg(-1));
	return std::unique_ptr<DwarfInfo>(new DwarfInfo(dw));
}

DwarfInfo::~DwarfInfo() { dwarf_end(dw_); }

// .debug_aranges is optional (clang does not emit it by default), and
// without it dwarf_addrdie finds nothing; then read each CU's ranges once.
void DwarfInfo::build_cu_ranges()
{
	cu_ranges_built_ = true;
	Dwarf_CU *cu = nullptr;
	Dwarf_Die cudie;
	uint8_t unit_type = 0;
	while (dwarf_get_units(dw_, cu, &cu, nullptr, &unit_type, &cudie, nullptr) == 0) {
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial)
			continue;
		Dwarf_Addr base, lo, hi;
		for (ptrdiff_t off = 0; (off = dwarf_ranges(&cudie, off, &base, &lo, &hi)) > 0;)
			if (lo < hi)
				cu_ranges_.push_back(Range{lo, hi, dwarf_dieoffset(&cudie)});
	}
	std::sort(cu_ranges_.begin(), cu_ranges_.end(),
		  [](const Range &a, const Range &b) { return a.lo < b.lo; });
}

bool DwarfInfo::find_cu(uint64_t vaddr, Dwarf_Die *cudie)
{
	if (dwarf_addrdie(dw_, vaddr, cudie))
		return true;
	if (!cu_ranges_built_)
		build_cu_ranges();
	const Range *r = find_range(cu_ranges_, vaddr);
	return r && dwarf_offdie(dw_, r->die, cudie);
}

// Adds the address ranges of every function defined under `parent`.
void DwarfInfo::index_functions(Dwarf_Die *parent, Index &out)
{
	Dwarf_Die child;
	if (dwarf_child(parent, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		if (may_hold_functions(tag)) {
			index_functions(&child, out);
		} else if (tag == DW_TAG_subprogram) {
			Dwarf_Addr base, lo, hi;
			for (ptrdiff_t off = 0;
			     (off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0;)
				if (lo < hi)
					out.push_back(Range{lo, hi, dwarf_dieoffset(&child)});
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

const DwarfInfo::Index &DwarfInfo::functions_of(Dwarf_Die *cudie)
{
	auto [it, fresh] = functions_.try_emplace(dwarf_dieoffset(cudie));
	if (fresh) {
		index_functions(cudie, it->second);
		std::sort(it->second.begin(), it->second.end(),
			  [](const Range &a, const Range &b) { return a.lo < b.lo; });
	}
	return it->second;
}

// Adds the inlined calls and nested functions under `parent`, recursing
// through the blocks that can contain them.
void DwarfInfo::add_nodes(Dwarf_Die *parent, FunctionTree &tree)
{
	Dwarf_Die child;
	if (dwarf_child(parent, &child) != 0)
		return;
	do {
		int tag = dwarf_tag(&child);
		if (!may_hold_inlined(tag))
			continue;
		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram) {
			auto node = static_cast<uint32_t>(tree.nodes.size());
			tree.nodes.push_back(Node{die_name(&child), tag == DW_TAG_subprogram});
			Dwarf_Addr base, lo, hi;
			for (ptrdiff_t off = 0;
			     (off = dwarf_ranges(&child, off, &base, &lo, &hi)) > 0;)
				if (lo < hi)
					tree.ranges.push_back(NodeRange{lo, hi, node});
		}
		add_nodes(&child, tree);
	} while (dwarf_siblingof(&child, &child) == 0);
}

const DwarfInfo::FunctionTree *DwarfInfo::tree_of(uint64_t function_die)
{
	auto [it, fresh] = trees_.try_emplace(function_die);
	if (fresh) {
		Dwarf_Die die;
		if (!dwarf_offdie(dw_, function_die, &die)) {
			trees_.erase(it);
			return nullptr;
		}
		it->second.name = die_name(&die);
		add_nodes(&die, it->second);
	}
	return &it->second;
}

bool DwarfInfo::frames_at(uint64_t vaddr, RawFrames &out)
{
	out = {};
	Dwarf_Die cudie;
	if (!find_cu(vaddr, &cudie))
		return false;
	const Range *fn = find_range(functions_of(&cudie), vaddr);
	const FunctionTree *tree = fn ? tree_of(fn->die) : nullptr;
	if (!tree)
		return false;
	out.function = tree->name;
	// Pre-order: the calls holding vaddr come outermost first.
	for (const NodeRange &r : tree->ranges) {
		if (vaddr < r.lo || vaddr >= r.hi)
			continue;
		const Node &node = tree->nodes[r.node];
		if (node.nested_function) {
			out.function = node.name;
			out.inlined.clear();
		} else {
			out.inlined.push_back(node.name);
		}
	}
	return !out.function.empty();
}

}  // namespace xpu
